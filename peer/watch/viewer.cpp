#include "peer/watch/viewer.h"

#include <chrono>
#include <fstream>
#include <thread>

#include "common/address.h"
#include "common/clock.h"
#include "common/contract.h"
#include "common/crypto/random.h"
#include "common/envelope.h"
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
  if (!result.contains("contract") || !result.contains("confirmation")) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster's answer lacks the contract or its confirmation");
  }
  auto signed_contract = ParseContract(result["contract"], ContractSigs::kBoth);
  if (!signed_contract) return signed_contract.error();
  if (signed_contract->id != ours.id) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster signed other terms than offered");
  }
  auto confirmation = ParseResponse(result["confirmation"].dump(), tracker, std::nullopt);
  if (!confirmation) return confirmation.error();
  if (confirmation->method != "openContract" || confirmation->status != 200 ||
      confirmation->result.value("contract", "") != ToHex(ours.id) ||
      confirmation->result.value("state", "") != "open") {
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
  ViewerOutcome outcome;
  TrackerClient tracker(m_config.tracker_url, m_key);
  auto hello = tracker.Handshake();
  if (!hello) return hello.error();
  PublicKey tracker_key = *tracker.tracker();
  int64_t max_contract = hello->value("max_contract_seconds", int64_t{3600});

  // 1. Find a live broadcaster of the stream that the budget can pay.
  std::optional<Seller> seller;
  auto give_up = Clock::now() + std::chrono::seconds(m_config.find_timeout_seconds);
  while (!seller && !stop) {
    auto found = tracker.Call("lookup", {{"stream", m_config.stream}});
    if (!found) return found.error();
    for (const auto& b : (*found)["broadcasters"]) {
      uint64_t price = b["price"];
      if (price > m_config.budget) continue;
      auto key = PublicKey::FromHex(b["broadcaster"].get<std::string>());
      if (!key) continue;
      seller = Seller{*key, b["url"], price, b["income_address"]};
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

  BroadcasterClient node(seller->url, m_key, tracker_key, seller->key);
  auto info = node.Stream(m_config.stream);
  // A stream announced before its first segment is written: wait for it.
  while (info && !(*info).value("available", false) && !stop && Clock::now() < give_up) {
    Pause(stop, 500);
    info = node.Stream(m_config.stream);
  }
  if (!info) return info.error();
  if (stop) return outcome;
  if ((*info)["income_address"] != seller->income_address) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster names another income address than the tracker");
  }

  // 2. Deposit what the contract will lock.
  uint64_t price = seller->price;
  uint64_t max_segments = price == 0 ? 1'000'000 : m_config.budget / price;
  uint64_t deposit = price * max_segments;
  auto spend = tracker.Call("getSpendAddress", {{"deposit", deposit}});
  if (!spend) return spend.error();
  std::string spend_address = (*spend)["address"];

  // 3. The contract: start at the live edge of a live stream, else at the start.
  std::optional<uint64_t> from;
  if ((*info).value("available", false) && !(*info).value("ended", false)) {
    from = (*info)["last"].get<uint64_t>();
  }
  int64_t target = std::max<int64_t>((*info).value("target_duration", int64_t{2}), 1);
  int64_t lifetime = std::clamp<int64_t>(static_cast<int64_t>(std::min<uint64_t>(max_segments, 100000)) * target * 2 + 600,
                                         600, max_contract);
  Contract contract;
  contract.terms = ContractTerms{tracker_key, m_key.public_key(), seller->key, spend_address,
                                 seller->income_address, m_config.stream, price, max_segments,
                                 UnixNow() + lifetime, RandomHex(kNonceBytes)};
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
          ", from segment " + std::to_string((*opened)["from"].get<uint64_t>()));
  }

  // 4. Buy segment after segment.
  std::ofstream out;
  if (!m_config.out_path.empty()) out.open(m_config.out_path, std::ios::binary | std::ios::trunc);
  uint64_t expected_seq = contract_open ? (*opened)["from"].get<uint64_t>() : 0;
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
      Pause(stop, delivery->result.value("retry_ms", int64_t{250}));
      continue;
    }
    if (delivery->kind == BroadcasterClient::Delivery::Kind::kEnd) {
      outcome.stopped_because = delivery->result.value("reason", "the contract ended");
      outcome.stream_ended = outcome.stopped_because == "the stream ended";
      settled = true;
      break;
    }
    const SegmentStatement& st = delivery->statement;
    Status checked = CheckSegmentBytes(st, delivery->bytes);
    if (checked && st.stream != m_config.stream) {
      checked = MakeError(ErrorCode::kBadSignature, "the segment is of stream " + st.stream);
    }
    if (checked && st.seq != expected_seq) {
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
    expected_seq += 1;
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
  if (contract_open && contract_state && (*contract_state)["state"] != "open") {
    outcome.spent = (*contract_state)["paid"];
  }
  auto returned = tracker.Call("closeSpendAddress", {{"address", spend_address}});
  if (returned) {
    outcome.returned = (*returned)["paid_out"];
    outcome.balance = (*returned)["balance"];
  } else {
    Event("the deposit stays locked until the contract closes or expires: " + returned.error().message);
    auto account = tracker.Call("account", {{"address", AddressOf(m_key.public_key())}});
    if (account) outcome.balance = (*account)["balance"];
  }
  Event("settled: paid " + std::to_string(outcome.spent) + " for " + std::to_string(outcome.segments) +
        " segments, returned " + std::to_string(outcome.returned) + ", balance " +
        std::to_string(outcome.balance));
  return outcome;
}

}  // namespace tollstream
