// A relay that re-sells several of its origin's renditions buys each of
// them (`peer watch --relay --relay-renditions all|NAME,…`): the node's
// viewer buys the top one (the one its own player plays), and one more
// viewer of the same key buys each other rendition, pinned to it, from the
// segment after the first one the node's viewer bought, so that the
// renditions it holds line up. The budget is shared in proportion to the
// origin's prices. The viewers share the key's spend address
// (ViewerConfig::spend_lock).
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
Result<RelayLadder> ResolveRelayLadder(TrackerApi tracker, const std::string& stream,
                                       const std::optional<PublicKey>& origin,
                                       const std::string& asked, uint64_t top_price,
                                       const std::string& prices, std::chrono::seconds wait);

// The viewers buying every rendition of a ladder but the top one.
class LowerRenditionBuyers {
 public:
  // Each buys `ladder.renditions[i]` (i ≥ 1) with `base` (its rendition
  // pinned, its share of `budget`), into a local copy under `dir`, each
  // segment it buys going to `base.on_segment`. Lines it says are
  // prefixed with its rendition's name.
  LowerRenditionBuyers(const KeyPair& key, ViewerConfig base, const RelayLadder& ladder,
                       uint64_t budget, const std::filesystem::path& dir);
  // Stops them (unless they ended at the stream's end first) and waits.
  ~LowerRenditionBuyers();

  // What of `budget` the top rendition's viewer buys with.
  uint64_t top_budget() const { return m_top_budget; }
  // Starts buying after segment `seq` (the first the top rendition's
  // viewer bought); only the first call does.
  void Start(uint64_t seq);
  // Waits until each has ended by itself (the stream ended), or, with
  // `stop_now`, stops them first; each settles its contract.
  void Finish(bool stop_now);

 private:
  struct Buyer {
    std::string name;
    ViewerConfig config;
    std::unique_ptr<LocalHls> local;
    std::thread thread;
  };
  KeyPair m_key;
  std::vector<Buyer> m_buyers;
  uint64_t m_top_budget = 0;
  std::once_flag m_started;
  std::atomic<bool> m_stop{false};
};

}  // namespace tollstream
