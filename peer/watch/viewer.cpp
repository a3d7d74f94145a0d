#include "peer/watch/viewer.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "common/address.h"
#include "common/clock.h"
#include "common/contract.h"
#include "common/crypto/random.h"
#include "common/envelope.h"
#include "common/fields.h"
#include "common/hex.h"
#include "common/log.h"
#include "common/receipt.h"
#include "common/tracker_client.h"
#include "peer/broadcaster_client.h"

namespace tollstream {
namespace {

using Clock = std::chrono::steady_clock;

// Sleeps up to `ms`, returning early when `stop` is set.
void Pause(const std::atomic<bool>& stop, int64_t ms) {
  auto until = Clock::now() + std::chrono::milliseconds(ms);
  while (!stop && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

struct Seller {
  PublicKey key;
  std::string url;
  uint64_t price = 0;
  std::string income_address;
};

// Checks the broadcaster's answer to an offer: the same terms, its valid
// signature, and the tracker's signed confirmation that the contract is open.
Status CheckOpened(const json& result, const Contract& ours, const PublicKey& tracker) {
  if (!result.contains("contract") || !result.contains("confirmation") || !FindAmount(result, "from")) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster's answer lacks the contract, its confirmation or where it starts");
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
    return MakeError(ErrorCode::kUpstream, "the tracker's confirmation does not show this contract open");
  }
  return Status::Ok();
}

}  // namespace

Viewer::Viewer(KeyPair key, ViewerConfig config, LocalHls& local)
    : m_key(std::move(key)), m_config(std::move(config)), m_local(local) {}

void Viewer::Event(const std::string& line) {
  if (m_config.on_event) m_config.on_event(line);
}

Result<ViewerOutcome> Viewer::Run(const std::atomic<bool>& stop) {
  // Answers are read defensively; this is the last line should one slip by.
  try {
    return Buy(stop);
  } catch (const json::exception& e) {
    return MakeError(ErrorCode::kUpstream, std::string("a node sent an answer of the wrong form: ") + e.what());
  }
}

Result<ViewerOutcome> Viewer::Buy(const std::atomic<bool>& stop) {
  ViewerOutcome outcome;
  TrackerClient tracker(m_config.tracker_url, m_key);
  auto hello = tracker.Handshake();
  if (!hello) return hello.error();
  PublicKey tracker_key = *tracker.tracker();
  int64_t max_contract = static_cast<int64_t>(FindAmount(*hello, "max_contract_seconds").value_or(3600));

  // 1. Find a live broadcaster of the stream that the budget can pay.
  std::optional<Seller> seller;
  auto give_up = Clock::now() + std::chrono::seconds(m_config.find_timeout_seconds);
  while (!seller && !stop) {
    auto found = tracker.Call("lookup", {{"stream", m_config.stream}});
    if (!found) return found.error();
    const json& list = (*found)["broadcasters"];
    for (const auto& b : list.is_array() ? list : json::array()) {
      auto price = FindAmount(b, "price");
      auto key = PublicKey::FromHex(FindString(b, "broadcaster").value_or(""));
      auto url = FindString(b, "url");
      auto income = FindString(b, "income_address");
      if (!price || !key || !url || !income || *price > m_config.budget) continue;
      seller = Seller{*key, *url, *price, *income};
      break;
    }
    if (seller) break;
    if (Clock::now() > give_up) {
      return MakeError(ErrorCode::kNotFound, "no live broadcaster of \"" + m_config.stream +
                                                 "\" sells within a budget of " +
                                                 std::to_string(m_config.budget));
    }
    Pause(stop, 500);
  }
  if (stop) return outcome;
  Event("broadcaster " + seller->key.ToHex() + " code " + KeyCode(seller->key) + " at " + seller->url +
        " price " + std::to_string(seller->price));

  BroadcasterClient node(seller->url, m_key, tracker_key, seller->key, tracker.clock_offset());
  auto info = node.Stream(m_config.stream);
  // A stream announced before its first segment is written: wait for it.
  while (info && !FindBool(*info, "available").value_or(false) && !stop && Clock::now() < give_up) {
    Pause(stop, 500);
    info = node.Stream(m_config.stream);
  }
  if (!info) return info.error();
  if (stop) return outcome;
  if (FindString(*info, "income_address") != seller->income_address) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster names another income address than the tracker");
  }

  // 2. Deposit what the contract will lock.
  uint64_t price = seller->price;
  uint64_t max_segments = price == 0 ? 1'000'000 : m_config.budget / price;
  uint64_t deposit = price * max_segments;
  auto spend = tracker.Call("getSpendAddress", {{"deposit", deposit}});
  if (!spend) return spend.error();
  auto spend_address_found = FindString(*spend, "address");
  if (!spend_address_found) return MakeError(ErrorCode::kUpstream, "getSpendAddress answered no address");
  std::string spend_address = *spend_address_found;

  // 3. The contract: start at the live edge of a live stream, else at the start.
  std::optional<uint64_t> from;
  if (FindBool(*info, "available").value_or(false) && !FindBool(*info, "ended").value_or(false)) {
    from = FindAmount(*info, "last");
  }
  int64_t target = static_cast<int64_t>(std::clamp<uint64_t>(FindAmount(*info, "target_duration").value_or(2), 1, 60));
  int64_t lifetime = std::clamp<int64_t>(static_cast<int64_t>(std::min<uint64_t>(max_segments, 100000)) * target * 2 + 600,
                                         600, max_contract);
  Contract contract;
  contract.terms = ContractTerms{tracker_key, m_key.public_key(), seller->key, spend_address,
                                 seller->income_address, m_config.stream, price, max_segments,
                                 UnixNow() + tracker.clock_offset() + lifetime, RandomHex(kNonceBytes)};
  SignAsViewer(contract, m_key);
  std::string id = ToHex(contract.id);
  auto opened = node.Offer(contract, from);
  Receipt receipt;
  receipt.contract = contract.id;
  receipt.viewer = m_key.public_key();
  receipt.chain = contract.id;
  bool contract_open = false;
  if (!opened) {
    outcome.stopped_because = "the broadcaster refused the contract: " + opened.error().message;
  } else if (Status s = CheckOpened(*opened, contract, tracker_key); !s) {
    outcome.stopped_because = "the contract is not confirmed: " + s.error().message;
  } else {
    contract_open = true;
    Event("contract " + id + " opened (confirmed by the tracker): lock " + std::to_string(deposit) +
          ", from segment " + std::to_string(*FindAmount(*opened, "from")));
  }

  // 4. Buy segment after segment.
  std::ofstream out;
  if (!m_config.out_path.empty()) out.open(m_config.out_path, std::ios::binary | std::ios::trunc);
  uint64_t expected_seq = contract_open ? *FindAmount(*opened, "from") : 0;
  bool settled = false;  // the broadcaster closed the contract at the tracker
  auto last_answer = Clock::now();
  SignReceipt(receipt, m_key);
  while (contract_open && !stop) {
    auto delivery = node.NextSegment(id, receipt);
    if (!delivery) {
      if (delivery.error().code == ErrorCode::kUpstream &&
          Clock::now() - last_answer < std::chrono::seconds(m_config.broadcaster_timeout_seconds)) {
        Pause(stop, 500);  // the node may be restarting
        continue;
      }
      outcome.stopped_because = "the broadcaster failed: " + delivery.error().message;
      settled = delivery.error().code == ErrorCode::kConflict || delivery.error().code == ErrorCode::kNotFound;
      break;
    }
    last_answer = Clock::now();
    if (delivery->kind == BroadcasterClient::Delivery::Kind::kWait) {
      Pause(stop, static_cast<int64_t>(std::min<uint64_t>(FindAmount(delivery->result, "retry_ms").value_or(250), 5000)));
      continue;
    }
    if (delivery->kind == BroadcasterClient::Delivery::Kind::kEnd) {
      outcome.stopped_because = FindString(delivery->result, "reason").value_or("the contract ended");
      outcome.stream_ended = outcome.stopped_because == "the stream ended";
      settled = true;
      break;
    }
    const SegmentStatement& st = delivery->statement;
    Status checked = CheckSegmentBytes(st, delivery->bytes);
    if (checked && st.stream != m_config.stream) {
      checked = MakeError(ErrorCode::kBadSignature, "the segment is of stream " + st.stream);
    }
    // A later segment than due is a skip (what was due left the broadcaster's
    // window), marked as a discontinuity; an earlier one is never right.
    if (checked && st.seq < expected_seq) {
      checked = MakeError(ErrorCode::kBadSignature, "segment " + std::to_string(st.seq) + " came where " +
                                                        std::to_string(expected_seq) + " was due");
    }
    if (!checked) {
      outcome.stopped_because = "the broadcaster misbehaved: " + checked.error().message +
                                "; not paying for it, buying no more from " + seller->key.ToHex();
      Event("ALERT " + outcome.stopped_because);
      break;
    }
    if (Status s = m_local.Add(st.seq, delivery->bytes, st.duration_ms); !s) return s.error();
    if (out.is_open()) out.write(delivery->bytes.data(), static_cast<std::streamsize>(delivery->bytes.size()));
    out.flush();
    receipt.segments += 1;
    receipt.bytes += delivery->bytes.size();
    receipt.amount = receipt.segments * price;
    receipt.chain = ExtendChain(receipt.chain, st.sha256);
    SignReceipt(receipt, m_key);
    expected_seq = st.seq + 1;
    Event("segment " + std::to_string(st.seq) + " " + std::to_string(delivery->bytes.size()) +
          " bytes: bought " + std::to_string(receipt.segments) + ", spent " + std::to_string(receipt.amount) +
          ", budget left " + std::to_string(m_config.budget - receipt.amount));
  }
  if (stop && outcome.stopped_because.empty()) outcome.stopped_because = "stopped";
  m_local.End();
  outcome.segments = receipt.segments;
  outcome.bytes = receipt.bytes;
  Event("stopped buying: " + outcome.stopped_because);

  // 5. Settle: the broadcaster closes with our last receipt, then the spend
  // address returns what is left.
  if (contract_open && !settled) {
    auto closed = node.Close(id, receipt);
    if (!closed) Event("the broadcaster did not close the contract: " + closed.error().message);
  }
  auto contract_state = tracker.Call("contract", {{"id", id}});
  if (contract_open && contract_state && FindString(*contract_state, "state") != "open") {
    outcome.spent = FindAmount(*contract_state, "paid").value_or(0);
  }
  auto returned = tracker.Call("closeSpendAddress", {{"address", spend_address}});
  if (returned) {
    outcome.returned = FindAmount(*returned, "paid_out").value_or(0);
    outcome.balance = FindAmount(*returned, "balance").value_or(0);
  } else {
    Event("the deposit stays locked until the contract closes or expires: " + returned.error().message);
    auto account = tracker.Call("account", {{"address", AddressOf(m_key.public_key())}});
    if (account) outcome.balance = FindAmount(*account, "balance").value_or(0);
  }
  Event("settled: paid " + std::to_string(outcome.spent) + " for " + std::to_string(outcome.segments) +
        " segments, returned " + std::to_string(outcome.returned) + ", balance " +
        std::to_string(outcome.balance));
  return outcome;
}

}  // namespace tollstream
