// A relay that re-sells several of its origin's renditions buys each of
// them (`peer watch --relay --relay-renditions all|NAME,…`): the node's
// viewer buys the top one (the one its own player plays), and one more
// viewer of the same key buys each other rendition, pinned to it and within
// the origin's price for it, from the first segment the node's viewer
// bought (from the live edge when that was segment 0), so that the
// renditions it holds line up. Each buys from the cheapest seller of its
// rendition: the origin, or a relay that re-sells it. The budget is shared
// in proportion to the origin's prices, and so is a top-up (TopUp): a
// lower rendition's viewer whose share is spent waits for one as the top
// one does (unless the node exits at the stream's end). The viewers share
// the key's spend address (ViewerConfig::spend_lock); once they have all
// stopped, what is left in it returns to the key's ordinary address. A
// lower rendition's viewer that stops before the stream ends (no seller
// left, or its budget spent under --exit-at-end) says so; the relay's
// buyers of that rendition then find it stalled and go to another seller.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/client/tracker_api.h"
#include "peer/broadcast/ladder.h"
#include "peer/watch/local_hls.h"
#include "peer/watch/viewer.h"

namespace tollstream {

// The renditions a relay re-sells, and what buying them costs.
struct RelayLadder {
  PublicKey origin;
  // Named as the origin names them, the top one first, at the relay's prices.
  std::vector<RenditionSpec> renditions;
  std::vector<uint64_t> origin_prices;  // what the relay pays for each, in the same order
};

// Of the origin's own announcement of `stream` (of `origin` when given; an
// error when several origins sell it and none is named), the renditions
// `asked` ("all", or names separated by commas), priced for the relay from
// `prices` (comma-separated, one per rendition), else in proportion to
// bitrate from `top_price`. Looks the stream up until `wait` has passed.
// Errors: the tracker's; kNotFound (no origin announced, or one that sells a
// single quality, or a name it does not sell); kInvalidField (the prices).

// Whether `budget`, shared as LowerRenditionBuyers shares it, pays each
// rendition's first contract (its opening charge and a segment at the
// origin's price). Errors: kInsufficientFunds, naming the rendition.
Status CheckLadderBudget(const RelayLadder& ladder, uint64_t budget);
Result<RelayLadder> ResolveRelayLadder(TrackerApi tracker, const std::string& stream,
                                       const std::optional<PublicKey>& origin,
                                       const std::string& asked, uint64_t top_price,
                                       const std::string& prices, std::chrono::seconds wait);

// The viewers buying every rendition of a ladder but the top one.
class LowerRenditionBuyers {
 public:
  // Each buys `ladder.renditions[i]` (i ≥ 1) with `base` (its rendition
  // pinned, at most the origin's price for it, its share of `budget`), into
  // a local copy under `dir`, each segment it buys going to
  // `base.on_segment`. Lines it says are prefixed with its rendition's name.
  LowerRenditionBuyers(const KeyPair& key, ViewerConfig base, const RelayLadder& ladder,
                       uint64_t budget, const std::filesystem::path& dir);
  // Stops them (unless they ended at the stream's end first) and waits.
  ~LowerRenditionBuyers();

  // What of `budget` the top rendition's viewer buys with.
  uint64_t top_budget() const { return m_top_budget; }
  // Starts buying at segment `seq` (the first the top rendition's viewer
  // bought); only the first call does.
  void Start(uint64_t seq);
  // Adds `amount` to the budgets, shared as the budget was: `top` (the top
  // rendition's viewer) gets what the shares of the lower renditions not
  // ended leave, first; then each of those its share (one that has ended
  // meanwhile says so, and its share goes to `top`). Returns `top`'s
  // answer. Errors, with no budget changed: kInsufficientFunds (the key's
  // ordinary address cannot pay what all of them have yet to deposit),
  // those of Viewer::TopUp for `top`, and the tracker's. Thread-safe: top-ups
  // are taken one at a time, each checked after those before it.
  Result<json> TopUp(uint64_t amount, Viewer& top);
  // Waits until each has ended by itself (the stream ended), or, with
  // `stop_now` or once `interrupt` is set, stops them; one waiting for a
  // top-up is stopped (it would wait for a stream that has ended). Each
  // settles its contract. Then returns what is left in the key's spend
  // address. Once.
  void Finish(bool stop_now, const std::atomic<bool>& interrupt);

 private:
  struct Buyer {
    size_t rung = 0;  // its index in the ladder
    std::string name;
    ViewerConfig config;
    std::unique_ptr<LocalHls> local;
    std::thread thread;
    std::atomic<bool> stop{false};
    // Under m_mutex: its viewer while it buys; whether it has ended.
    std::shared_ptr<Viewer> viewer;
    bool ended = false;
  };
  // Adds `amount` to `buyer`'s budget: its viewer's, or, before it starts,
  // the one it will start with; `balance`: the key's ordinary address's.
  // Errors: kConflict (it has ended), those of Viewer::TopUp.
  Status Give(Buyer& buyer, uint64_t amount, uint64_t balance);

  KeyPair m_key;
  std::string m_tracker_url;
  RelayLadder m_ladder;
  uint64_t m_top_budget = 0;
  std::vector<std::unique_ptr<Buyer>> m_buyers;
  mutable std::mutex m_mutex;
  std::mutex m_top_up_mutex;  // held through a whole TopUp
  std::once_flag m_started;
  std::atomic<size_t> m_running{0};
  bool m_finished = false;
};

}  // namespace tollstream
