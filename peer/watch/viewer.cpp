#include "peer/watch/viewer.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>
#include <vector>

#include "common/base/amount.h"
#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/client/tracker_client.h"
#include "common/crypto/random.h"
#include "common/observe/log.h"
#include "common/protocol/address.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/wire/envelope.h"
#include "common/wire/fields.h"
#include "peer/watch/broadcaster_client.h"

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
  PublicKey origin;
  bool relay = false;
  int64_t probe_us = 0;  // how long the probes took
};

// The live sellers of `stream` at the tracker, of `origin` when given,
// priced within `budget` and not in `banned`.
Result<std::vector<Seller>> LookUp(TrackerClient& tracker, const std::string& stream,
                                   const std::optional<PublicKey>& origin, uint64_t budget,
                                   const std::set<std::string>& banned) {
  json params = {{"stream", stream}};
  if (origin) params["origin"] = origin->ToHex();
  auto found = tracker.Call("lookup", params);
  if (!found) return found.error();
  std::vector<Seller> out;
  const json& list = (*found)["broadcasters"];
  for (const auto& b : list.is_array() ? list : json::array()) {
    auto price = FindAmount(b, "price");
    auto key = PublicKey::FromHex(FindString(b, "broadcaster").value_or(""));
    auto from = PublicKey::FromHex(
        FindString(b, "origin").value_or(FindString(b, "broadcaster").value_or("")));
    auto url = FindString(b, "url");
    auto income = FindString(b, "income_address");
    if (!price || !key || !from || !url || !income || *price > budget || banned.count(key->ToHex()))
      continue;
    out.push_back(Seller{*key, *url, *price, *income, *from, *from != *key, 0});
  }
  return out;
}

// The origin the sellers sell for: the one asked, or the only one named.
Result<PublicKey> OriginOf(const std::vector<Seller>& sellers, const std::string& stream) {
  std::set<std::string> origins;
  for (const auto& s : sellers) origins.insert(s.origin.ToHex());
  if (origins.size() > 1) {
    return MakeError(ErrorCode::kConflict, std::to_string(origins.size()) +
                                               " origins sell a stream named \"" + stream +
                                               "\": choose one with --origin");
  }
  return sellers.front().origin;
}

// Whether a seller other than `current` and those in `banned` sells now.
bool HasOtherSource(TrackerClient& tracker, const std::string& stream, const PublicKey& origin,
                    uint64_t budget, const std::set<std::string>& banned,
                    const PublicKey& current) {
  auto found = LookUp(tracker, stream, origin, budget, banned);
  if (!found) return false;
  return std::any_of(found->begin(), found->end(),
                     [&](const Seller& s) { return s.key != current; });
}

// The best of `sellers` (looked up again when empty): the cheapest of those
// that answer a probe, the faster first at the same price. A probe is a
// signed answer of no padding, then one of 64 KiB: round trip and throughput.
Result<Seller> ChooseSource(TrackerClient& tracker, const KeyPair& key, const std::string& stream,
                            const PublicKey& origin, uint64_t budget, std::vector<Seller> sellers,
                            const std::set<std::string>& banned) {
  if (sellers.empty()) {
    auto found = LookUp(tracker, stream, origin, budget, banned);
    if (!found) return found.error();
    sellers = std::move(*found);
  }
  std::vector<Seller> answered;
  for (auto& s : sellers) {
    if (answered.size() >= 8 || banned.count(s.key.ToHex())) continue;
    BroadcasterClient probe(s.url, key, *tracker.tracker(), s.key, tracker.clock_offset(), 3000);
    auto small = probe.Probe(0);
    auto large = small ? probe.Probe(64 * 1024) : small;
    if (!large) continue;
    s.probe_us = small->count() + large->count();
    answered.push_back(s);
  }
  if (answered.empty()) {
    return MakeError(ErrorCode::kNotFound, "no other source of \"" + stream + "\" answers");
  }
  std::stable_sort(answered.begin(), answered.end(), [](const Seller& a, const Seller& b) {
    return a.price != b.price ? a.price < b.price : a.probe_us < b.probe_us;
  });
  return answered.front();
}

// Checks the broadcaster's answer to an offer: the same terms, its valid
// signature, and the tracker's signed confirmation that the contract is open.
Status CheckOpened(const json& result, const Contract& ours, const PublicKey& tracker) {
  if (!result.contains("contract") || !result.contains("confirmation") ||
      !FindAmount(result, "from")) {
    return MakeError(
        ErrorCode::kUpstream,
        "the broadcaster's answer lacks the contract, its confirmation or where it starts");
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

}  // namespace

json ViewerFigures::ToJson() const {
  json j{{"state", state},
         {"stream", stream},
         {"playlist", "/" + stream + ".m3u8"},
         {"origin", origin},
         {"origin_code", origin_code},
         {"broadcaster", broadcaster},
         {"code", code},
         {"role", role},
         {"sources", sources},
         {"broadcaster_url", broadcaster_url},
         {"income_address", income_address},
         {"contract", contract},
         {"contracts", contracts},
         {"price", price},
         {"budget", budget},
         {"spent", spent},
         {"budget_left", budget - spent},
         {"segments", segments},
         {"bytes", bytes},
         {"returned", returned},
         {"stopped_because", stopped_because}};
  j["last_seq"] = last_seq ? json(*last_seq) : json(nullptr);
  j["balance"] = balance ? json(*balance) : json(nullptr);
  return j;
}

Viewer::Viewer(KeyPair key, ViewerConfig config, LocalHls& local)
    : m_key(std::move(key)), m_config(std::move(config)), m_local(local) {
  m_figures.stream = m_config.stream;
  m_figures.budget = m_config.budget;
  Metrics& m = m_config.metrics ? *m_config.metrics : m_own_metrics;
  auto counter = [&m](const std::string& name, const std::string& help) {
    m.DeclareCounter(name, help);
    return &m.counter(name);
  };
  m_bought =
      counter("tollstream_viewer_segments_bought_total", "Segments bought, checked and paid for.");
  m_bytes_bought = counter("tollstream_viewer_bytes_bought_total", "Bytes of the segments bought.");
  m_spent = counter("tollstream_viewer_tokens_spent_total", "Tokens signed over in receipts.");
  m_rejected =
      counter("tollstream_viewer_segments_rejected_total",
              "Segments refused: a bad signature, other bytes than signed, or out of order.");
  m_contracts =
      counter("tollstream_viewer_contracts_total", "Contracts opened with a broadcaster.");
}

Viewer::~Viewer() = default;

template <typename F>
void Viewer::Update(F change) {
  json state;
  {
    std::lock_guard lock(m_mutex);
    change(m_figures);
    state = m_figures.ToJson();
  }
  if (m_config.feed) m_config.feed->SetState(std::move(state));
}

ViewerFigures Viewer::figures() const {
  std::lock_guard lock(m_mutex);
  return m_figures;
}

void Viewer::Event(const std::string& line) {
  if (m_config.on_event) m_config.on_event(line);
  if (m_config.feed) m_config.feed->Publish("log", line);
}

void Viewer::Alert(const std::string& message) {
  if (m_config.on_event) m_config.on_event("ALERT " + message);
  if (m_config.feed) m_config.feed->Publish("alert", message);
}

Result<json> Viewer::TopUp(uint64_t amount) {
  if (amount == 0 || amount > kMaxAmount) {
    return MakeError(ErrorCode::kInvalidField, "amount: a whole number of tokens from 1 to 2^53-1");
  }
  // What the budget has yet to deposit comes from the ordinary address.
  TrackerClient tracker(m_config.tracker_url, m_key);
  if (auto hello = tracker.Handshake(); !hello) return hello.error();
  auto account = tracker.Call("account", {{"address", AddressOf(m_key.public_key())}});
  if (!account) return account.error();
  uint64_t balance = FindAmount(*account, "balance").value_or(0);
  std::unique_lock lock(m_mutex);
  if (m_finished) return MakeError(ErrorCode::kConflict, "the viewer has stopped buying");
  if (m_figures.budget > kMaxAmount - amount) {
    return MakeError(ErrorCode::kInvalidField, "the budget would pass 2^53-1 tokens");
  }
  uint64_t to_deposit = m_figures.budget + amount - m_figures.spent - m_in_spend;
  if (balance < to_deposit) {
    return MakeError(ErrorCode::kInsufficientFunds, "the address holds " + std::to_string(balance) +
                                                        " tokens; the budget would need " +
                                                        std::to_string(to_deposit) +
                                                        " more from it");
  }
  m_figures.budget += amount;
  m_figures.balance = balance;
  json state = m_figures.ToJson();
  lock.unlock();
  m_topped_up.notify_all();
  if (m_config.feed) m_config.feed->SetState(state);
  Event("budget topped up by " + std::to_string(amount) + " to " +
        std::to_string(state["budget"].get<uint64_t>()));
  return state;
}

Result<ViewerOutcome> Viewer::Run(const std::atomic<bool>& stop) {
  // Answers are read defensively; this is the last line should one slip by.
  Result<ViewerOutcome> out = MakeError(ErrorCode::kInternal, "not run");
  try {
    out = Buy(stop);
  } catch (const json::exception& e) {
    out = MakeError(ErrorCode::kUpstream,
                    std::string("a node sent an answer of the wrong form: ") + e.what());
  }
  {
    std::lock_guard lock(m_mutex);
    m_finished = true;
  }
  if (!out) {
    std::string why = out.error().message;
    Update([&](ViewerFigures& f) {
      f.state = "failed";
      f.stopped_because = why;
    });
    Alert(why);
  }
  return out;
}

// One contract's purchase, from the offer to its settlement.
struct Viewer::Contracted {
  bool opened = false;
  bool failed = false;  // the source failed, and another one sells
  bool more = false;    // its segments are all bought: a follow-on may continue
  bool stream_ended = false;
  uint64_t next_seq = 0;  // where a follow-on starts
};

Result<ViewerOutcome> Viewer::Buy(const std::atomic<bool>& stop) {
  ViewerOutcome outcome;
  TrackerClient tracker(m_config.tracker_url, m_key);
  auto hello = tracker.Handshake();
  if (!hello) return hello.error();
  PublicKey tracker_key = *tracker.tracker();
  int64_t max_contract =
      static_cast<int64_t>(FindAmount(*hello, "max_contract_seconds").value_or(3600));
  Update([](ViewerFigures& f) { f.state = "finding"; });

  // 1. The sellers of the stream: its origin and its relays.
  std::optional<PublicKey> origin = m_config.origin;
  std::vector<Seller> sellers;
  std::set<std::string> banned;  // sellers given up in this run
  auto give_up = Clock::now() + std::chrono::seconds(m_config.find_timeout_seconds);
  while (sellers.empty() && !stop) {
    auto found = LookUp(tracker, m_config.stream, origin, m_config.budget, banned);
    if (!found) return found.error();
    sellers = std::move(*found);
    if (!sellers.empty()) break;
    if (Clock::now() > give_up) {
      return MakeError(ErrorCode::kNotFound, "no live broadcaster of \"" + m_config.stream +
                                                 "\" sells within a budget of " +
                                                 std::to_string(m_config.budget));
    }
    Pause(stop, 500);
  }
  if (stop) return outcome;
  if (!origin) {
    auto named = OriginOf(sellers, m_config.stream);
    if (!named) return named.error();
    origin = *named;
  }
  Event("origin " + origin->ToHex() + " code " + KeyCode(*origin));
  Update([&](ViewerFigures& f) {
    f.origin = origin->ToHex();
    f.origin_code = KeyCode(*origin);
  });
  std::ofstream out;
  if (!m_config.out_path.empty()) out.open(m_config.out_path, std::ios::binary | std::ios::trunc);
  std::optional<Seller> seller;
  std::unique_ptr<BroadcasterClient> node;
  std::optional<uint64_t>
      from;  // where the next contract starts (unset: the live edge, or the start)
  int64_t target = 2;
  uint64_t price = 0;
  bool first = true;
  bool announced = false;  // "stopped buying" was said
  while (!stop) {
    // A source: the best seller not given up, ranked by price, then by how
    // fast it answered a probe.
    if (!seller) {
      uint64_t can_pay = 0;
      {
        std::lock_guard lock(m_mutex);
        can_pay = m_figures.budget - m_figures.spent;
      }
      auto chosen = ChooseSource(tracker, m_key, m_config.stream, *origin,
                                 std::max<uint64_t>(can_pay, first ? m_config.budget : 0),
                                 std::move(sellers), banned);
      sellers.clear();
      if (!chosen) {
        if (first) return chosen.error();
        outcome.stopped_because = chosen.error().message;
        break;
      }
      if (stop) break;
      seller = *chosen;
      node = std::make_unique<BroadcasterClient>(seller->url, m_key, tracker_key, seller->key,
                                                 tracker.clock_offset());
      node->ExpectOrigin(*origin);
      Event(std::string(seller->relay ? "relay " : "broadcaster ") + seller->key.ToHex() +
            " code " + KeyCode(seller->key) + " at " + seller->url + " price " +
            std::to_string(seller->price) + " (probes " + std::to_string(seller->probe_us) +
            " us)");
      Update([&](ViewerFigures& f) {
        f.state = "opening";
        f.broadcaster = seller->key.ToHex();
        f.code = KeyCode(seller->key);
        f.broadcaster_url = seller->url;
        f.income_address = seller->income_address;
        f.price = seller->price;
        f.role = seller->relay ? "relay" : "origin";
        f.sources += 1;
      });
      auto info = node->Stream(m_config.stream);
      // A stream announced before its first segment is written: wait for it.
      while (info && !FindBool(*info, "available").value_or(false) && !stop &&
             Clock::now() < give_up) {
        Pause(stop, 500);
        info = node->Stream(m_config.stream);
      }
      if (stop) break;
      Status usable = info ? Status::Ok() : Status(info.error());
      if (usable && FindString(*info, "income_address") != seller->income_address) {
        usable = MakeError(ErrorCode::kUpstream,
                           "the broadcaster names another income address than the tracker");
      }
      if (usable && FindString(*info, "origin").value_or(seller->key.ToHex()) != origin->ToHex()) {
        usable =
            MakeError(ErrorCode::kUpstream, "the broadcaster sells the stream of another origin");
      }
      if (!usable) {
        if (first && !HasOtherSource(tracker, m_config.stream, *origin, m_config.budget, banned,
                                     seller->key)) {
          return usable.error();
        }
        Event("giving up " + seller->key.ToHex() + ": " + usable.error().message);
        banned.insert(seller->key.ToHex());
        seller.reset();
        continue;
      }
      target = static_cast<int64_t>(
          std::clamp<uint64_t>(FindAmount(*info, "target_duration").value_or(2), 1, 60));
      // The first contract starts at the live edge of a live stream, else at
      // the start (a relay still buying a finished recording says so).
      bool finished =
          FindBool(*info, "ended").value_or(false) || FindBool(*info, "finished").value_or(false);
      if (finished && m_config.on_finished) m_config.on_finished();
      if (first && !from && FindBool(*info, "available").value_or(false) && !finished) {
        from = FindAmount(*info, "last");
      }
      price = seller->price;
    }

    // 2. Deposit what the contract will lock: as much of the budget left as buys whole segments.
    uint64_t budget_left = 0;
    {
      std::lock_guard lock(m_mutex);
      budget_left = m_figures.budget - m_figures.spent;
    }
    uint64_t max_segments = std::min<uint64_t>(price == 0 ? 1'000'000 : budget_left / price,
                                               m_config.contract_segments);
    if (max_segments == 0) {
      if (!m_config.wait_for_top_up) {
        outcome.stopped_because = "the budget is spent";
        break;
      }
      // The state first: whoever hears the alert finds the node waiting.
      Update([](ViewerFigures& f) { f.state = "waiting-top-up"; });
      Alert("the budget is spent: top up to keep watching");
      std::unique_lock lock(m_mutex);
      while (!stop && m_figures.budget - m_figures.spent < price) {
        m_topped_up.wait_for(lock, std::chrono::milliseconds(200));
      }
      continue;
    }
    uint64_t deposit = price * max_segments;
    auto spend = tracker.Call("getSpendAddress", {{"deposit", deposit}});
    auto spend_address = spend ? FindString(*spend, "address") : std::nullopt;
    if (!spend_address) {
      std::string why = spend ? "getSpendAddress answered no address" : spend.error().message;
      if (first) return spend ? MakeError(ErrorCode::kUpstream, why) : spend.error();
      outcome.stopped_because = "cannot deposit for a follow-on contract: " + why;
      Alert(outcome.stopped_because);
      break;
    }
    {
      std::lock_guard lock(m_mutex);
      m_in_spend = deposit;
    }

    // 3. The contract.
    int64_t lifetime = std::clamp<int64_t>(
        static_cast<int64_t>(std::min<uint64_t>(max_segments, 100000)) * target * 2 + 600, 600,
        max_contract);
    Contract contract;
    contract.terms = ContractTerms{tracker_key,
                                   m_key.public_key(),
                                   seller->key,
                                   *spend_address,
                                   seller->income_address,
                                   m_config.stream,
                                   price,
                                   max_segments,
                                   UnixNow() + tracker.clock_offset() + lifetime,
                                   RandomHex(kNonceBytes)};
    SignAsViewer(contract, m_key);
    std::string id = ToHex(contract.id);
    auto opened = node->Offer(contract, from);
    Contracted c;
    // Whether another source sells now.
    auto other_source = [&] {
      return HasOtherSource(tracker, m_config.stream, *origin, m_config.budget, banned,
                            seller->key);
    };
    // The same, asked at most every 2 s from the polling loop below: a source
    // that keeps stalling with none to replace it would be asked about on
    // every poll otherwise.
    auto next_ask = Clock::now();
    auto other_source_by_now = [&] {
      if (Clock::now() < next_ask) return false;
      next_ask = Clock::now() + std::chrono::seconds(2);
      return other_source();
    };
    if (!opened) {
      outcome.stopped_because = "the broadcaster refused the contract: " + opened.error().message;
      c.failed = other_source();
    } else if (Status s = CheckOpened(*opened, contract, tracker_key); !s) {
      outcome.stopped_because = "the contract is not confirmed: " + s.error().message;
    } else {
      c.opened = true;
      c.next_seq = *FindAmount(*opened, "from");
      Event("contract " + id + " opened (confirmed by the tracker): lock " +
            std::to_string(deposit) + ", from segment " + std::to_string(c.next_seq));
      m_contracts->Add();
      Update([&](ViewerFigures& f) {
        f.state = "open";
        f.contract = id;
        f.contracts += 1;
      });
    }
    first = false;

    // 4. Buy segment after segment.
    Receipt receipt;
    receipt.contract = contract.id;
    receipt.viewer = m_key.public_key();
    receipt.chain = contract.id;
    bool settled = false;  // the broadcaster closed the contract at the tracker
    auto last_answer = Clock::now();
    auto last_segment = Clock::now();
    // Waiting this long for a segment that is due means the source stalled.
    auto stall = std::chrono::seconds(3 * target + 2);
    SignReceipt(receipt, m_key);
    while (c.opened && !stop) {
      auto delivery = node->NextSegment(id, receipt);
      if (!delivery) {
        auto quiet = Clock::now() - last_answer;
        if (delivery.error().code == ErrorCode::kUpstream &&
            quiet >= std::chrono::seconds(m_config.source_timeout_seconds) &&
            other_source_by_now()) {
          outcome.stopped_because = "the source stopped answering: " + delivery.error().message;
          c.failed = true;
          break;
        }
        if (delivery.error().code == ErrorCode::kUpstream &&
            quiet < std::chrono::seconds(m_config.broadcaster_timeout_seconds)) {
          Pause(stop, 500);  // the node may be restarting
          continue;
        }
        outcome.stopped_because = "the broadcaster failed: " + delivery.error().message;
        settled = delivery.error().code == ErrorCode::kConflict ||
                  delivery.error().code == ErrorCode::kNotFound;
        break;
      }
      last_answer = Clock::now();
      if (delivery->kind == BroadcasterClient::Delivery::Kind::kWait) {
        if (Clock::now() - last_segment > stall && other_source_by_now()) {
          outcome.stopped_because =
              "the source stalled: no segment for " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(stall).count()) +
              " s";
          c.failed = true;
          break;
        }
        Pause(stop, static_cast<int64_t>(std::min<uint64_t>(
                        FindAmount(delivery->result, "retry_ms").value_or(250), 5000)));
        continue;
      }
      if (delivery->kind == BroadcasterClient::Delivery::Kind::kEnd) {
        outcome.stopped_because =
            FindString(delivery->result, "reason").value_or("the contract ended");
        c.stream_ended = outcome.stopped_because == "the stream ended";
        c.more = receipt.segments == max_segments;
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
      if (checked && st.seq < c.next_seq) {
        checked = MakeError(ErrorCode::kBadSignature, "segment " + std::to_string(st.seq) +
                                                          " came where " +
                                                          std::to_string(c.next_seq) + " was due");
      }
      if (!checked) {
        outcome.stopped_because = "the broadcaster misbehaved: " + checked.error().message +
                                  "; not paying for it, buying no more from " + seller->key.ToHex();
        m_rejected->Add();
        Alert(outcome.stopped_because);
        c.failed = other_source();
        break;
      }
      if (Status s = m_local.Add(st.seq, delivery->bytes, st.duration_ms); !s) return s.error();
      if (m_config.on_segment) m_config.on_segment(st, delivery->bytes);
      last_segment = Clock::now();
      if (out.is_open())
        out.write(delivery->bytes.data(), static_cast<std::streamsize>(delivery->bytes.size()));
      out.flush();
      receipt.segments += 1;
      receipt.bytes += delivery->bytes.size();
      receipt.amount = receipt.segments * price;
      receipt.chain = ExtendChain(receipt.chain, st.sha256);
      SignReceipt(receipt, m_key);
      c.next_seq = st.seq + 1;
      uint64_t size = delivery->bytes.size();
      uint64_t left = 0;
      Update([&](ViewerFigures& f) {
        f.segments += 1;
        f.bytes += size;
        f.spent += price;
        f.last_seq = st.seq;
        m_in_spend -= price;
        left = f.budget - f.spent;
      });
      m_bought->Add();
      m_bytes_bought->Add(size);
      m_spent->Add(price);
      if (m_config.feed) {
        m_config.feed->Publish("receipt", {{"seq", st.seq},
                                           {"bytes", size},
                                           {"segments", receipt.segments},
                                           {"amount", receipt.amount},
                                           {"contract", id}});
      }
      Event("segment " + std::to_string(st.seq) + " " + std::to_string(size) + " bytes: bought " +
            std::to_string(receipt.segments) + ", spent " + std::to_string(receipt.amount) +
            ", budget left " + std::to_string(left));
    }
    if (stop && outcome.stopped_because.empty()) outcome.stopped_because = "stopped";
    // All its segments bought: go on while the budget pays for more, or a top-up may come.
    bool follow_on = false;
    if (c.more && !stop) {
      std::lock_guard lock(m_mutex);
      follow_on = m_config.wait_for_top_up || m_figures.budget - m_figures.spent >= price;
    }
    // The source failed and another sells: continue there from the next segment.
    bool switching = c.failed && !stop;
    if (switching) {
      follow_on = true;
      Event("switching source: " + outcome.stopped_because);
    }
    if (!follow_on) {
      Event("stopped buying: " + outcome.stopped_because);
      announced = true;
    }
    Update([](ViewerFigures& f) { f.state = "settling"; });

    // 5. Settle: the broadcaster closes with our last receipt, then the spend
    // address returns what is left.
    if (c.opened && !settled) {
      auto closed = node->Close(id, receipt);
      if (!closed) Event("the broadcaster did not close the contract: " + closed.error().message);
    }
    uint64_t paid = receipt.amount;  // until the tracker says otherwise
    auto contract_state = tracker.Call("contract", {{"id", id}});
    if (c.opened && contract_state && FindString(*contract_state, "state") != "open") {
      paid = FindAmount(*contract_state, "paid").value_or(0);
    }
    if (!c.opened) paid = 0;
    outcome.spent += paid;
    outcome.segments += receipt.segments;
    outcome.bytes += receipt.bytes;
    auto returned = tracker.Call("closeSpendAddress", {{"address", *spend_address}});
    uint64_t back = 0;
    std::optional<uint64_t> balance;
    if (returned) {
      back = FindAmount(*returned, "paid_out").value_or(0);
      balance = FindAmount(*returned, "balance");
    } else {
      Event("the deposit stays locked until the contract closes or expires: " +
            returned.error().message);
      auto account = tracker.Call("account", {{"address", AddressOf(m_key.public_key())}});
      if (account) balance = FindAmount(*account, "balance");
    }
    outcome.returned += back;
    outcome.balance = balance.value_or(outcome.balance);
    Update([&](ViewerFigures& f) {
      f.spent = f.spent - receipt.amount + paid;  // the tracker's figure is the one that counts
      f.returned += back;
      if (balance) f.balance = balance;
      m_in_spend = 0;
      f.state = follow_on ? "opening" : "closed";
      f.stopped_because = follow_on ? "" : outcome.stopped_because;
    });
    Event("settled: paid " + std::to_string(outcome.spent) + " for " +
          std::to_string(outcome.segments) + " segments, returned " +
          std::to_string(outcome.returned) + ", balance " + std::to_string(outcome.balance));
    if (!follow_on) {
      outcome.stream_ended = c.stream_ended;
      break;
    }
    outcome.stopped_because.clear();
    if (c.opened) from = c.next_seq;
    if (switching) {
      banned.insert(seller->key.ToHex());
      seller.reset();
      node.reset();
    }
  }
  if (stop && outcome.stopped_because.empty()) outcome.stopped_because = "stopped";
  if (!announced) Event("stopped buying: " + outcome.stopped_because);
  Update([&](ViewerFigures& f) {
    f.state = "closed";
    f.stopped_because = outcome.stopped_because;
  });
  m_local.End();
  return outcome;
}

}  // namespace tollstream
