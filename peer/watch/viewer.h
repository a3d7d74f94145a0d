// The receiving node's buying loop: finds a broadcaster of the stream at the
// tracker, deposits the budget into its spend address, opens a contract
// through the broadcaster (and sees the tracker's signed confirmation), then
// buys segment after segment, checking each against the broadcaster's
// signed statement and paying for it with a cumulative receipt. A segment
// that fails its check is not paid for, and the viewer stops buying from
// that node. At the end of a contract (stream ended, its segments all
// bought, stop asked) it is settled and the unspent deposit returns to the
// viewer's ordinary address.
//
// The budget can grow while the viewer runs (TopUp). When a contract's
// segments are all bought and the budget still pays for more, a follow-on
// contract starts at the next segment, so the local stream has no gap; when
// the budget is spent, the viewer waits for a top-up if asked to
// (wait_for_top_up), else it stops.
//
// Progress goes to `on_event` (lines, printed by the CLI) and, when given,
// to an EventFeed (a "state" snapshot of ViewerFigures, "receipt" and
// "alert" events) and a Metrics registry.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
#include "common/protocol/segment.h"
#include "common/wire/json.h"
#include "peer/watch/local_hls.h"
#include "peer/watch/purchase.h"
#include "peer/watch/resume_file.h"
#include "peer/watch/viewer_figures.h"

namespace tollstream {

struct ViewerConfig {
  std::string tracker_url;
  std::string stream;
  uint64_t budget = 0;
  std::string out_path;                      // also append every segment's bytes here, if set
  int64_t find_timeout_seconds = 0;          // how long to wait for the stream's announcement
  int64_t start_timeout_seconds = 60;        // ... then for its first segment
  int64_t broadcaster_timeout_seconds = 30;  // no answer this long: give the node up
  int64_t source_timeout_seconds = 5;        // ... or this long, when another source sells
  std::optional<PublicKey> origin;           // the stream's origin (else: the only one named)
  std::optional<uint64_t> max_price;         // the most a segment may cost (--max-price)
  // Of a stream sold in several renditions, the one to buy ("": the top
  // one, or, with `adapt`, the one the link carries).
  std::string rendition;
  bool adapt = true;
  // The watch page's last word on the rendition in the run a retry follows
  // (Viewer::page_pin): a name pinned, "" adapting; none: the page said none.
  std::optional<std::string> page_pin;
  // Called with each segment bought, after its checks (a relay sells it on).
  std::function<void(const SegmentStatement&, const std::string&)> on_segment;
  // Called when a source says the stream is a finished recording.
  std::function<void()> on_finished;
  // The source's note while it has nothing new (PurchaseHooks::on_note).
  std::function<void(const std::string&)> on_note;
  bool wait_for_top_up = false;  // budget spent: wait for TopUp (or stop) instead of ending
  // Shared by viewers of one key buying side by side (a relay buying
  // several renditions), which share the key's spend address: held from a
  // deposit until its contract is open, and while settling closes the
  // address, so that none closes it under another's deposit (the last to
  // settle returns what is left). Null: this viewer buys alone.
  std::mutex* spend_lock = nullptr;
  // The most segments one contract covers; more are bought under follow-on
  // contracts. A source that dies with its contract open keeps that much
  // locked until the contract is released (expiry + the tracker's grace).
  uint64_t contract_segments = 100;
  // Where to keep the resume point (peer/watch/resume_file.h), if set: the
  // store directory the user named, so that a restarted viewer buys on
  // from the first segment its earlier run had not paid for.
  std::string resume_dir;
  // The last segment an earlier run of this node kept (a retry): the first
  // contract starts after it, while the source holds it.
  std::optional<uint64_t> continue_after;
  // One line per event (the CLI prints them on stdout).
  std::function<void(const std::string&)> on_event;
  EventFeed* feed = nullptr;   // optional: live figures for the web page
  Metrics* metrics = nullptr;  // where to count; a private registry when null
};

struct ViewerOutcome {
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t spent = 0;
  uint64_t returned = 0;  // deposit returned to the ordinary address
  uint64_t balance = 0;   // the ordinary address's balance at the end
  bool stream_ended = false;
  std::string stopped_because;
};

class Viewer {
 public:
  Viewer(KeyPair key, ViewerConfig config, LocalHls& local);
  ~Viewer();

  // Buys until the stream ends, the budget is spent (and no top-up comes),
  // `stop` is set, or the broadcaster misbehaves; settles each contract.
  // Errors: the tracker or the stream could not be reached at all.
  Result<ViewerOutcome> Run(const std::atomic<bool>& stop);

  // Adds `amount` to the budget. Thread-safe. Errors: kInvalidField (zero,
  // or the budget would pass 2^53-1), kInsufficientFunds (the ordinary
  // address cannot pay what the budget has yet to deposit), kConflict (the
  // viewer has stopped), or the tracker's error. Returns the figures.
  Result<json> TopUp(uint64_t amount);
  // TopUp with `balance`, the ordinary address's balance just read (by a
  // caller topping up several viewers of the key at once), and
  // `undeposited`, Undeposited() as read before it (the check takes the
  // larger of it and what is yet to deposit now).
  Result<json> TopUp(uint64_t amount, uint64_t balance, uint64_t undeposited = 0);
  // What the budget has yet to deposit from the ordinary address: the
  // budget left, less what the open contract already holds. Thread-safe.
  uint64_t Undeposited() const;
  // The balance of `key`'s ordinary address at the tracker at `tracker_url`.
  static Result<uint64_t> OrdinaryBalance(const std::string& tracker_url, const KeyPair& key);
  // Of a stream sold in several renditions, keeps to `name` from the next
  // segment ("": adapts again). Returns the figures. Errors: kConflict (one
  // quality, or none known yet), kInvalidField (a name not sold).
  // Thread-safe.
  Result<json> PinRendition(const std::string& name);
  // A snapshot of the figures. Thread-safe.
  ViewerFigures figures() const;
  // The page's last word on the rendition (PinRendition), if it said one;
  // for a retry's config (ViewerConfig::page_pin). Thread-safe.
  std::optional<std::string> page_pin() const;

 private:
  struct Buying;
  // What comes after a step of buying: the contract (a source is ready),
  // the next round of the loop, or the end.
  enum class Step { kReady, kNext, kEnd };
  // Contracts a seller may lose (by restarting) before it is given up.
  static constexpr int kMostLosses = 3;

  Result<ViewerOutcome> Buy(const std::atomic<bool>& stop);
  // Chooses the best source not given up and asks what it holds.
  Result<Step> Connect(Buying& b, const std::atomic<bool>& stop);
  // Whether the chosen source sells what the tracker listed; where to start.
  Result<Step> Examine(Buying& b, const std::atomic<bool>& stop);
  // On the first contract: starts `b.from` where an earlier run stopped
  // paying (the resume point, or after continue_after) while the source
  // holds that segment, or ends
  // when that run bought a finished stream to its end.
  std::optional<Step> Resume(Buying& b, const json& info);
  // One contract with the chosen source, bought and settled.
  Result<Step> BuyContract(Buying& b, const std::atomic<bool>& stop);
  Result<Step> Settle(Buying& b, Purchase& purchase, const std::atomic<bool>& stop);
  PurchaseHooks Hooks(Buying& b);
  // The renditions the contracts with b's source buy (b.choice), when it
  // sells several: the pinned one, else all.
  void ChooseRenditions(Buying& b);
  // Applies a pin the page asked for since (to b.choice), saying so.
  void ApplyPin(Buying& b);
  // What the next contract with b's source buys: the pinned rendition, else
  // all of them (none: one quality); sets b.bought.
  std::vector<RenditionPrice> ContractRenditions(Buying& b);
  // Under a contract with renditions: segment `st` of `bytes` arrived
  // `took` after it was asked for; the rendition to buy next (b.choice's).
  std::string NextRendition(Buying& b, const SegmentStatement& st, uint64_t bytes,
                            std::chrono::microseconds took);
  // A segment bought: kept for the local player, counted and shown.
  Status Keep(Buying& b, const SegmentStatement& st, const std::string& bytes,
              const Receipt& receipt);
  // The budget is spent: waits for a top-up that leaves `needed` (or stop)
  // when the viewer waits for one; false when it does not.
  bool WaitForTopUp(uint64_t needed, const std::atomic<bool>& stop);
  // Undeposited(), under m_mutex.
  uint64_t UndepositedLocked() const;
  uint64_t BudgetLeft() const;
  // Deposits the lock and opening charge of a contract of `max_segments`;
  // a follow-on that the address cannot fund shrinks to what it can (a
  // deposit locked by a dead source is not back yet). Returns the segments
  // deposited for. Errors: the tracker's.
  Result<uint64_t> Deposit(Buying& b, Purchase& purchase, uint64_t max_segments);
  // The first deposit is more than the key's balance: what it holds, and how to get more.
  Error NotEnoughTokens(Buying& b, uint64_t deposit);
  void Event(const std::string& line);
  void Alert(const std::string& message);
  // Changes the figures under the lock and publishes them.
  template <typename F>
  void Update(F change);

  KeyPair m_key;
  ViewerConfig m_config;
  LocalHls& m_local;
  std::optional<ResumeFile> m_resume;
  mutable std::mutex m_mutex;  // guards the members below
  ViewerFigures m_figures;
  uint64_t m_in_spend = 0;                // the open contract's deposit not yet paid by receipts
  std::optional<std::string> m_pin;       // asked by the page, for the buying thread to apply
  std::optional<std::string> m_page_pin;  // the page's last word, kept across sources
  bool m_finished = false;
  std::condition_variable m_topped_up;

  Metrics m_own_metrics;  // where to count when the config names no registry
  Metrics::Counter* m_bought;
  Metrics::Counter* m_bytes_bought;
  Metrics::Counter* m_spent;
  Metrics::Counter* m_rejected;
  Metrics::Counter* m_contracts;
};

}  // namespace tollstream
