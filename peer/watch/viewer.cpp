#include "peer/watch/viewer.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/base/pause.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "common/wire/fields.h"
#include "peer/watch/broadcaster_client.h"
#include "peer/watch/purchase.h"
#include "peer/watch/sources.h"
#include "peer/watch/viewer_buying.h"

namespace tollstream {

Viewer::Viewer(KeyPair key, ViewerConfig config, LocalHls& local)
    : m_key(std::move(key)), m_config(std::move(config)), m_local(local) {
  if (!m_config.resume_dir.empty()) m_resume.emplace(m_config.resume_dir);
  m_figures.stream = m_config.stream;
  m_figures.budget = m_config.budget;
  m_page_pin = m_config.page_pin;
  Metrics& m = m_config.metrics ? *m_config.metrics : m_own_metrics;
  auto counter = [&m](const std::string& name, const std::string& help) {
    m.DeclareCounter(name, help);
    return &m.counter(name);
  };
  m_bought =
      counter("tollstream_viewer_segments_bought_total", "Segments bought, checked and paid for.");
  m_bytes_bought = counter("tollstream_viewer_bytes_bought_total", "Bytes of the segments bought.");
  m_spent = counter("tollstream_viewer_tokens_spent_total",
                    "Tokens spent: opening charges, and what receipts signed over.");
  m_rejected =
      counter("tollstream_viewer_segments_rejected_total",
              "Segments refused: a bad signature, other bytes than signed, or out of order.");
  m_contracts =
      counter("tollstream_viewer_contracts_total", "Contracts opened with a broadcaster.");
}

Viewer::~Viewer() = default;

ViewerFigures Viewer::figures() const {
  std::lock_guard lock(m_mutex);
  return m_figures;
}

std::optional<std::string> Viewer::page_pin() const {
  std::lock_guard lock(m_mutex);
  return m_page_pin;
}

void Viewer::Event(const std::string& line) {
  if (m_config.on_event) m_config.on_event(line);
  if (m_config.feed) m_config.feed->Publish("log", line);
}

void Viewer::Alert(const std::string& message) {
  if (m_config.on_event) m_config.on_event("ALERT " + message);
  if (m_config.feed) m_config.feed->Publish("alert", message);
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

Result<ViewerOutcome> Viewer::Buy(const std::atomic<bool>& stop) {
  TrackerClient tracker(m_config.tracker_url, m_key);
  auto hello = tracker.Handshake();
  if (!hello) return hello.error();
  Update([](ViewerFigures& f) { f.state = "finding"; });
  // The sellers of the stream: its origin and its relays.
  SourceFinder finder(tracker, m_key, m_config.stream, m_config.origin, m_config.max_price);
  auto find_timeout = std::chrono::seconds(m_config.find_timeout_seconds);
  Buying b(tracker, finder);
  b.give_up = std::chrono::steady_clock::now() + find_timeout +
              std::chrono::seconds(m_config.start_timeout_seconds);
  b.max_contract = static_cast<int64_t>(FindAmount(*hello, "max_contract_seconds").value_or(3600));
  auto sellers = finder.WaitForSellers(m_config.budget, find_timeout, stop);
  if (!sellers) return sellers.error();
  if (stop) return b.outcome;
  b.sellers = std::move(*sellers);
  const PublicKey& origin = finder.origin();
  Event("origin " + origin.ToHex() + " code " + KeyCode(origin));
  if (!finder.note().empty()) Event(finder.note());
  Update([&](ViewerFigures& f) {
    f.origin = origin.ToHex();
    f.origin_code = KeyCode(origin);
  });
  if (!m_config.out_path.empty()) {
    // A retry of this node's run goes on after what the run before it wrote.
    b.out.open(m_config.out_path,
               std::ios::binary | (m_config.continue_after ? std::ios::app : std::ios::trunc));
    if (!b.out.is_open()) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot write " + m_config.out_path + ": " + std::strerror(errno));
    }
  }
  while (!stop) {
    auto next = b.source ? Step::kReady : Connect(b, stop);
    if (next && *next == Step::kReady) next = BuyContract(b, stop);
    if (!next) return next.error();
    if (*next == Step::kEnd) break;
  }
  ViewerOutcome& outcome = b.outcome;
  if (stop && outcome.stopped_because.empty()) outcome.stopped_because = "stopped";
  // The state first: whoever hears that the node stopped buying finds it
  // closed, refusing top-ups.
  Update([&](ViewerFigures& f) {
    f.state = "closed";
    f.stopped_because = outcome.stopped_because;
    m_finished = true;
  });
  if (!b.announced) Event("stopped buying: " + outcome.stopped_because);
  m_local.End();
  return outcome;
}

Result<Viewer::Step> Viewer::Connect(Buying& b, const std::atomic<bool>& stop) {
  // The best seller not given up, ranked by price, then by how fast it
  // answered a probe.
  uint64_t can_pay = std::max<uint64_t>(BudgetLeft(), b.first ? m_config.budget : 0);
  auto chosen = b.finder.Choose(can_pay, std::move(b.sellers));
  b.sellers.clear();
  if (!chosen) {
    if (b.first) return chosen.error();
    if (std::chrono::steady_clock::now() < b.renew_until && !stop) {
      PauseUnless(stop, 1000);  // a source that lost the contract may be restarting
      return Step::kNext;
    }
    b.outcome.stopped_because = chosen.error().message;
    return Step::kEnd;
  }
  if (stop) return Step::kEnd;
  const Source& s = b.source.emplace(*chosen);
  b.node = std::make_unique<BroadcasterClient>(s.url, m_key, *b.tracker.tracker(), s.key,
                                               b.tracker.clock_offset());
  b.node->ExpectOrigin(b.finder.origin());
  Event(std::string(s.relay ? "relay " : "broadcaster ") + s.key.ToHex() + " code " +
        KeyCode(s.key) + " at " + s.url + " price " + std::to_string(s.price) + " (probes " +
        std::to_string(s.probe_us) + " us)");
  Update([&](ViewerFigures& f) {
    f.state = "opening";
    f.broadcaster = s.key.ToHex();
    f.code = KeyCode(s.key);
    f.broadcaster_url = s.url;
    f.income_address = s.income_address;
    f.price = s.price;
    f.role = s.relay ? "relay" : "origin";
    f.sources += 1;
  });
  return Examine(b, stop);
}

PurchaseHooks Viewer::Hooks(Buying& b) {
  PurchaseHooks hooks;
  hooks.on_bought = [this, &b](const SegmentStatement& st, const std::string& bytes,
                               const Receipt& receipt) { return Keep(b, st, bytes, receipt); };
  hooks.other_source = [this, &b] { return b.finder.HasOther(m_config.budget, b.source->key); };
  hooks.on_event = [this](const std::string& line) { Event(line); };
  hooks.on_note = [this](const std::string& note) {
    Update([&](ViewerFigures& f) { f.source_note = note; });
    if (!note.empty()) Event("the source says: " + note);
    if (m_config.on_note) m_config.on_note(note);
  };
  hooks.on_rejected = [this](const std::string& why) {
    m_rejected->Add();
    Alert(why);
  };
  hooks.next_rendition = [this, &b](const SegmentStatement& st, uint64_t bytes,
                                    std::chrono::microseconds took) {
    return NextRendition(b, st, bytes, took);
  };
  return hooks;
}

Status Viewer::Keep(Buying& b, const SegmentStatement& st, const std::string& bytes,
                    const Receipt& receipt) {
  if (Status s = m_local.Add(st.seq, bytes, st.duration_ms, st.discontinuity); !s) return s;
  if (m_resume) {
    if (Status s = m_resume->Save({m_config.stream, st.broadcaster, st.seq + 1}); !s) return s;
  }
  if (m_config.on_segment) m_config.on_segment(st, bytes);
  if (b.out.is_open()) {
    b.out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    b.out.flush();
    if (!b.out) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot write " + m_config.out_path + ": " + std::strerror(errno));
    }
  }
  uint64_t price = receipt.amount - b.paid;  // what this segment added
  b.paid = receipt.amount;
  uint64_t size = bytes.size();
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
                                       {"contract", ToHex(receipt.contract)}});
  }
  // Under renditions: which one, and the budget left in playing time at its price.
  std::string of, time_left;
  if (!st.rendition.empty()) {
    of = " of " + st.rendition;
    uint64_t each = b.choice ? b.choice->rendition().price : 0;
    if (each > 0) time_left = " (" + std::to_string(left / each * b.target) + " s at this quality)";
  }
  Event("segment " + std::to_string(st.seq) + " " + std::to_string(size) + " bytes" + of +
        ": bought " + std::to_string(receipt.segments) + ", spent " +
        std::to_string(receipt.amount) + ", budget left " + std::to_string(left) + time_left);
  return Status::Ok();
}

Result<Viewer::Step> Viewer::BuyContract(Buying& b, const std::atomic<bool>& stop) {
  std::vector<RenditionPrice> renditions = ContractRenditions(b);
  uint64_t price = TopPrice(renditions, b.source->price);
  b.price = price;
  b.paid = 0;
  uint64_t max_segments = ContractSegments(BudgetLeft(), price, m_config.contract_segments);
  if (max_segments == 0) {
    if (WaitForTopUp(2 * price, stop)) return Step::kNext;  // the charge and a segment
    b.outcome.stopped_because = "the budget is spent";
    return Step::kEnd;
  }
  Purchase purchase(m_key, b.tracker, *b.node, *b.source, m_config.stream, Hooks(b),
                    PurchaseLimits{std::chrono::seconds(m_config.source_timeout_seconds),
                                   std::chrono::seconds(m_config.broadcaster_timeout_seconds),
                                   m_config.spend_lock});
  // No other viewer of the key closes the spend address between this
  // deposit and the contract it funds.
  std::unique_lock<std::mutex> spending;
  if (m_config.spend_lock) spending = std::unique_lock(*m_config.spend_lock);
  auto deposited = Deposit(b, purchase, max_segments);
  if (!deposited) {
    if (b.first) return deposited.error();
    b.outcome.stopped_because =
        "cannot deposit for a follow-on contract: " + deposited.error().message;
    Alert(b.outcome.stopped_because);
    return Step::kEnd;
  }
  {
    std::lock_guard lock(m_mutex);
    max_segments = *deposited;
    m_in_spend = price * (max_segments + 1);
  }
  bool opened =
      purchase.Open(max_segments, b.from, ContractLifetime(max_segments, b.target, b.max_contract),
                    std::move(renditions));
  if (spending) spending.unlock();
  if (opened) {
    if (b.choice) purchase.Ask(b.choice->rendition().name);  // where the last contract left off
    m_contracts->Add();
    m_spent->Add(purchase.charged());
    Update([&](ViewerFigures& f) {
      f.state = "open";
      f.contract = purchase.id();
      f.contracts += 1;
      if (b.choice) {
        f.rendition = b.choice->rendition().name;
        f.price = b.choice->rendition().price;
      }
      f.spent += purchase.charged();  // the broadcaster's at once, whatever comes next
      m_in_spend -= purchase.charged();
    });
  }
  b.first = false;
  if (Status bought = purchase.Buy(stop, b.target); !bought) return bought.error();
  return Settle(b, purchase, stop);
}

Result<Viewer::Step> Viewer::Settle(Buying& b, Purchase& purchase, const std::atomic<bool>& stop) {
  ViewerOutcome& outcome = b.outcome;
  outcome.stopped_because = purchase.stopped_because();
  if (stop && outcome.stopped_because.empty()) outcome.stopped_because = "stopped";
  // All its segments bought: go on while the budget pays for more, or a top-up may come.
  bool follow_on =
      purchase.all_bought() && !stop && (m_config.wait_for_top_up || BudgetLeft() >= 2 * b.price);
  // Another rendition than the contract buys: a new contract for it.
  if (purchase.rebuying() && !stop) follow_on = true;
  // The source failed and another sells: continue there from the next segment.
  bool switching = purchase.failed() && !stop;
  if (switching) {
    follow_on = true;
    Event("switching source: " + outcome.stopped_because);
  }
  // The source lost the contract (it restarted, or closed it): a new one,
  // with it or the next best, from the next segment.
  bool renewing = purchase.lost() && !stop;
  if (renewing) {
    follow_on = true;
    Event("renewing: " + outcome.stopped_because);
  }
  if (!follow_on) {
    Event("stopped buying: " + outcome.stopped_because);
    b.announced = true;
  }
  Update([](ViewerFigures& f) { f.state = "settling"; });
  Settlement settled = purchase.Settle();
  outcome.spent += settled.paid + purchase.charged();
  outcome.segments += settled.segments;
  outcome.bytes += settled.bytes;
  outcome.returned += settled.returned;
  outcome.balance = settled.balance.value_or(outcome.balance);
  Update([&](ViewerFigures& f) {
    f.spent = f.spent - purchase.receipt().amount + settled.paid;  // the tracker's figure counts
    f.returned += settled.returned;
    if (settled.balance) f.balance = settled.balance;
    m_in_spend = 0;
    f.state = follow_on ? "opening" : "closed";
    f.stopped_because = follow_on ? "" : outcome.stopped_because;
  });
  Event("settled: paid " + std::to_string(outcome.spent) + " for " +
        std::to_string(outcome.segments) + " segments, returned " +
        std::to_string(outcome.returned) + ", balance " + std::to_string(outcome.balance));
  if (!follow_on) {
    outcome.stream_ended = purchase.stream_ended();
    if (purchase.keep_error()) return *purchase.keep_error();  // settled: now say it
    return Step::kEnd;
  }
  outcome.stopped_because.clear();
  if (purchase.opened()) b.from = purchase.next_seq();
  if (purchase.opened() && purchase.receipt().segments == 0 && !purchase.stream_ended() &&
      purchase.stopped_because() != kEndSellerStopped) {
    // It kept the opening charge and delivered nothing: never again (a
    // clean stop just after the opening excepted: it may come back).
    Event("giving up " + b.source->key.ToHex() + ": it took the opening charge of " +
          std::to_string(purchase.charged()) + " and delivered nothing");
    switching = true;
  }
  if (renewing && !switching && ++b.losses[b.source->key.ToHex()] >= kMostLosses) {
    Event("giving up " + b.source->key.ToHex() + ": it lost " + std::to_string(kMostLosses) +
          " contracts");
    switching = true;
  }
  if (switching) b.finder.GiveUp(b.source->key);
  if (switching || renewing) {
    b.source.reset();  // found again at the tracker, where a restarted source announces anew
    b.node.reset();
  }
  if (renewing && !switching) {
    b.renew_until = std::chrono::steady_clock::now() +
                    std::chrono::seconds(m_config.broadcaster_timeout_seconds);
  }
  return Step::kNext;
}

}  // namespace tollstream
