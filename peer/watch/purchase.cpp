#include "peer/watch/purchase.h"

#include <algorithm>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/base/pause.h"
#include "common/client/tracker_api.h"
#include "common/crypto/random.h"
#include "common/protocol/address.h"
#include "common/wire/envelope.h"
#include "common/wire/fields.h"
#include "common/wire/one_line.h"

namespace tollstream {
namespace {

// The longest note from a source that is shown.
constexpr size_t kMostNoteBytes = 200;

}  // namespace

Status CheckOpened(const json& result, const Contract& ours, const PublicKey& tracker) {
  if (!result.contains("contract") || !result.contains("confirmation") ||
      !FindAmount(result, "from")) {
    return MakeError(ErrorCode::kUpstream,
                     "the broadcaster's answer lacks the contract, its confirmation or where it "
                     "starts");
  }
  auto signed_contract = ParseContract(result["contract"], ContractSigs::kBoth);
  if (!signed_contract) return signed_contract.error();
  if (signed_contract->id != ours.id) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster signed other terms than offered");
  }
  auto confirmation = ParseResponse(result["confirmation"].dump(), tracker, std::nullopt);
  if (!confirmation) return confirmation.error();
  if (confirmation->method != "openContract" || confirmation->status != 200 ||
      FindString(confirmation->result, "contract") != ToHex(ours.id) ||
      FindString(confirmation->result, "state") != "open") {
    return MakeError(ErrorCode::kUpstream,
                     "the tracker's confirmation does not show this contract open");
  }
  return Status::Ok();
}

uint64_t ContractSegments(uint64_t budget_left, uint64_t price, uint64_t most) {
  if (price == 0) return std::min<uint64_t>(1'000'000, most);
  uint64_t whole = budget_left / price;  // segments, the charge among them
  return whole < 2 ? 0 : std::min(whole - 1, most);
}

int64_t ContractLifetime(uint64_t max_segments, int64_t target_seconds, int64_t longest) {
  auto segments = static_cast<int64_t>(std::min<uint64_t>(max_segments, 100000));
  return std::clamp<int64_t>(segments * target_seconds * 2 + 600, 600, longest);
}

Purchase::Purchase(const KeyPair& key, TrackerClient& tracker, BroadcasterClient& node,
                   Source source, std::string stream, PurchaseHooks hooks, PurchaseLimits limits)
    : m_key(key),
      m_tracker(tracker),
      m_node(node),
      m_source(std::move(source)),
      m_stream(std::move(stream)),
      m_hooks(std::move(hooks)),
      m_limits(limits) {}

Status Purchase::Deposit(uint64_t amount) {
  TrackerApi tracker(m_tracker);
  if (m_limits.spend_lock) {
    // Shared with this key's other viewers: what their settled contracts
    // left in it (its close refused while another was open) funds this one
    // first. The caller holds the lock: nothing else moves it meanwhile.
    auto open = tracker.OpenAddressesOf(m_key.public_key());
    if (!open) return open.error();
    if (open->spend) {
      auto available = tracker.Available(*open->spend);
      if (!available) return available.error();
      m_shared_free = *available;
      amount -= std::min(amount, *available);
    }
  }
  auto address = tracker.GetSpendAddress(amount);
  if (!address) return address.error();
  m_spend_address = *address;
  return Status::Ok();
}

void Purchase::Fail(std::string why, bool failed) {
  m_stopped_because = std::move(why);
  m_failed = failed;
}

bool Purchase::Open(uint64_t max_segments, std::optional<uint64_t> from, int64_t lifetime,
                    std::vector<RenditionPrice> renditions) {
  uint64_t price = TopPrice(renditions, m_source.price);
  if (!renditions.empty()) m_asked = renditions.front().name;
  m_contract.terms = ContractTerms{*m_tracker.tracker(),
                                   m_key.public_key(),
                                   m_source.key,
                                   m_spend_address,
                                   m_source.income_address,
                                   m_stream,
                                   price,
                                   max_segments,
                                   UnixNow() + m_tracker.clock_offset() + lifetime,
                                   RandomHex(kNonceBytes),
                                   std::move(renditions)};
  SignAsViewer(m_contract, m_key);
  m_id = ToHex(m_contract.id);
  m_book.emplace(m_contract, m_key);
  auto opened = m_node.Offer(m_contract, from);
  if (!opened) {
    Fail("the broadcaster refused the contract: " + opened.error().message, m_hooks.other_source());
    return false;
  }
  if (Status s = CheckOpened(*opened, m_contract, *m_tracker.tracker()); !s) {
    Fail("the contract is not confirmed: " + s.error().message, false);
    return false;
  }
  m_opened = true;
  m_book->StartAt(*FindAmount(*opened, "from"));
  m_hooks.on_event("contract " + m_id + " opened (confirmed by the tracker): lock " +
                   std::to_string(m_contract.terms.Lock()) + ", from segment " +
                   std::to_string(m_book->next_seq()));
  return true;
}

bool Purchase::OtherSourceByNow() {
  if (Clock::now() < m_next_ask) return false;
  m_next_ask = Clock::now() + std::chrono::seconds(2);
  return m_hooks.other_source();
}

Status Purchase::Buy(const std::atomic<bool>& stop, int64_t target_seconds) {
  m_last_answer = m_last_segment = m_next_ask = Clock::now();
  // Waiting this long for a segment that is due means the source stalled.
  m_stall = std::chrono::seconds(3 * target_seconds + 2);
  while (m_opened && !stop) {
    auto more = BuyNext(stop);
    if (!more) return more.error();
    if (!*more) break;
  }
  return Status::Ok();
}

Result<bool> Purchase::BuyNext(const std::atomic<bool>& stop) {
  auto asked_at = Clock::now();
  auto delivery = m_node.NextSegment(m_id, m_book->receipt(), m_asked);
  auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - asked_at);
  if (!delivery) {
    const Error& e = delivery.error();
    auto quiet = Clock::now() - m_last_answer;
    if (e.code == ErrorCode::kUpstream && quiet >= m_limits.source_timeout && OtherSourceByNow()) {
      Fail("the source stopped answering: " + e.message, true);
      return false;
    }
    if (e.code == ErrorCode::kUpstream && quiet < m_limits.broadcaster_timeout) {
      if (Clock::now() >= m_next_word) {  // the node may be restarting: say so, now and then
        m_next_word = Clock::now() + std::chrono::seconds(3);
        m_hooks.on_event(
            "the source does not answer: reconnecting (" +
            std::to_string(std::chrono::duration_cast<std::chrono::seconds>(quiet).count()) +
            " s of " + std::to_string(m_limits.broadcaster_timeout.count()) + ")");
      }
      PauseUnless(stop, 500);
      return true;
    }
    if (e.code == ErrorCode::kUpstream) {
      // Gone for the whole timeout: looked for again at the tracker, with the
      // others; the contract closes when it comes back, or at its expiry.
      Fail("the source stopped answering for " +
               std::to_string(std::chrono::duration_cast<std::chrono::seconds>(quiet).count()) +
               " s",
           false);
      m_lost = true;
      m_settled = true;
      return false;
    }
    if (e.code == ErrorCode::kBadSignature) {  // a statement not the origin's, as Pay below
      return Misbehaved(e.message);
    }
    if (e.code == ErrorCode::kNotFound) {
      Fail("the source no longer holds the contract: " + e.message, false);
      m_lost = true;
      m_settled = true;
      return false;
    }
    Fail("the broadcaster failed: " + e.message, false);
    m_settled = e.code == ErrorCode::kConflict;
    return false;
  }
  m_last_answer = Clock::now();
  using Kind = BroadcasterClient::Delivery::Kind;
  if (delivery->kind == Kind::kWait) {
    if (Clock::now() - m_last_segment > m_stall && OtherSourceByNow()) {
      Fail("the source stalled: no segment for " + std::to_string(m_stall.count()) + " s", true);
      return false;
    }
    Note(FindString(delivery->result, "note").value_or(""));
    uint64_t retry_ms = FindAmount(delivery->result, "retry_ms").value_or(250);
    PauseUnless(stop, static_cast<int64_t>(std::min<uint64_t>(retry_ms, 5000)));
    return true;
  }
  if (delivery->kind == Kind::kEnd) {
    Fail(FindString(delivery->result, "reason").value_or("the contract ended"), false);
    m_stream_ended = m_stopped_because == kEndStreamEnded;
    m_lost = m_stopped_because == kEndSellerStopped;  // it may come back: a new contract then
    m_all_bought = m_book->receipt().segments == m_contract.terms.max_segments;
    m_settled = true;
    return false;
  }
  return Take(*delivery, took);
}

bool Purchase::Take(const BroadcasterClient::Delivery& delivery, std::chrono::microseconds took) {
  if (Status checked = m_book->Pay(delivery.statement, delivery.bytes, m_asked); !checked) {
    return Misbehaved(checked.error().message);
  }
  m_last_segment = Clock::now();
  Note("");
  if (Status kept = m_hooks.on_bought(delivery.statement, delivery.bytes, m_book->receipt());
      !kept) {
    // Paid for but not kept (a full disk?): settle, then stop with the error.
    Fail("cannot keep segment " + std::to_string(delivery.statement.seq) + ": " +
             kept.error().message,
         false);
    m_keep_error = kept.error();
    return false;
  }
  if (!m_asked.empty() && m_hooks.next_rendition) {
    std::string next = m_hooks.next_rendition(delivery.statement, delivery.bytes.size(), took);
    if (next.empty()) {
      Fail("another rendition than this contract buys was chosen", false);
      m_rebuying = true;
      return false;
    }
    Ask(std::move(next));
  }
  return true;
}

bool Purchase::Misbehaved(const std::string& what) {
  Fail("the broadcaster misbehaved: " + what + "; not paying for it, buying no more from " +
           m_source.key.ToHex(),
       false);
  m_hooks.on_rejected(m_stopped_because);
  m_failed = m_hooks.other_source();
  return false;
}

Settlement Purchase::Settle() {
  Note("");  // what this source said ends with its contract
  if (m_opened && !m_settled) {
    auto closed = m_node.Close(m_id, m_book->receipt());
    if (!closed) {
      m_hooks.on_event("the broadcaster did not close the contract: " + closed.error().message);
    }
  }
  TrackerApi tracker(m_tracker);
  const Receipt& r = receipt();
  Settlement out{m_opened ? r.amount : 0, r.segments, r.bytes, 0, {}};
  if (m_opened) {  // the tracker's figure is the one that counts
    auto status = tracker.Contract(m_id);
    if (status && status->state != "open") out.paid = status->paid;
  }
  std::unique_lock<std::mutex> spending;
  if (m_limits.spend_lock) spending = std::unique_lock(*m_limits.spend_lock);
  auto returned = tracker.CloseSpendAddress(m_spend_address);
  if (spending) spending.unlock();
  if (returned) {
    out.returned = returned->paid_out;
    out.balance = returned->balance;
  } else if (m_limits.spend_lock) {
    m_hooks.on_event(
        "the spend address is left to this key's other viewers: the last to settle "
        "returns what is left (" +
        returned.error().message + ")");
  } else {
    m_hooks.on_event("the deposit stays locked until the contract closes or expires: " +
                     returned.error().message);
  }
  if (!returned) {
    auto balance = tracker.Balance(AddressOf(m_key.public_key()));
    if (balance) out.balance = *balance;
  }
  return out;
}

void Purchase::Note(std::string note) {
  note = OneLine(note, kMostNoteBytes);
  if (note == m_note) return;
  m_note = std::move(note);
  if (m_hooks.on_note) m_hooks.on_note(m_note);
}

}  // namespace tollstream
