// The sources a viewer can buy a stream from: the live sellers the tracker
// lists (the stream's origin and the relays that re-sell it), of one
// origin, within a budget, and not given up. The best is the cheapest of
// those that answer a probe (by the dearest segment the viewer would buy of
// it), the faster first at the same price; a probe is
// a signed answer of no padding, then one of 64 KiB (round trip and
// throughput).
//
// Not thread-safe: the viewer's buying thread uses it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/client/tracker_api.h"
#include "common/client/tracker_client.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"
#include "peer/broadcast/ladder.h"

namespace tollstream {

// One seller of the stream, as listed and probed.
struct Source {
  PublicKey key;
  std::string url;
  uint64_t price = 0;  // as announced: the dearest it sells
  // The most a segment of it costs this viewer: `price`, or with --max-price
  // the dearest of its renditions within it.
  uint64_t most = 0;
  std::string income_address;
  PublicKey origin;
  bool relay = false;
  int64_t probe_us = 0;  // how long its probes took
  int64_t since = 0;     // when the tracker first saw it announce (unix seconds)
  // What its `stream` answer lists when it sells several qualities, the top one first.
  std::vector<RenditionSpec> renditions;
};

// Whether a source's own description of what it sells (its `stream`
// answer) agrees with its listing: the same income address, the same origin.
// Errors: kUpstream.
Status CheckSells(const json& info, const Source& listed, const PublicKey& origin);

class SourceFinder {
 public:
  // `tracker` has done its handshake and outlives the finder. `origin`: the
  // stream's origin, when the viewer named one.
  // `max_price`: the most a segment may cost (the viewer's --max-price).
  SourceFinder(TrackerClient& tracker, const KeyPair& key, std::string stream,
               std::optional<PublicKey> origin, std::optional<uint64_t> max_price = std::nullopt);

  // Waits up to `timeout` (0: asks once) or until `stop` for sellers whose
  // first contract (an opening charge and a segment: twice the price) the
  // `budget` pays, and settles the origin: the one named, else, of the
  // origins that sell a stream of that name, the one whose own announcement
  // has been live longest (names are first-come; `note()` then says who
  // else sells it). Errors: the tracker's; kNotFound (no such stream live,
  // with the names it may be a slip for), kInsufficientFunds (too dear for
  // the budget): see no_seller.h. Empty when stopped.
  Result<std::vector<Source>> WaitForSellers(uint64_t budget, std::chrono::seconds timeout,
                                             const std::atomic<bool>& stop);
  // The best source within `budget` among `sellers` (looked up again when
  // empty), every candidate probed at once, each within a short deadline.
  // Errors: kNotFound when none answers.
  Result<Source> Choose(uint64_t budget, std::vector<Source> sellers);
  // Whether a seller other than `current`, and not given up, sells now.
  bool HasOther(uint64_t budget, const PublicKey& current);
  // `seller` is never chosen again.
  void GiveUp(const PublicKey& seller) { m_given_up.insert(seller.ToHex()); }
  bool GivenUp(const PublicKey& seller) const { return m_given_up.count(seller.ToHex()) > 0; }
  // Settled by WaitForSellers.
  const PublicKey& origin() const { return *m_origin; }
  // How the origin was chosen among several of one name; empty otherwise.
  const std::string& note() const { return m_note; }

 private:
  // The tracker's sellers of the stream, less this key and those given up.
  Result<std::vector<Listing>> Listed();
  Result<std::vector<Source>> LookUp(uint64_t budget);

  TrackerClient& m_tracker;
  const KeyPair& m_key;
  std::string m_stream;
  std::optional<PublicKey> m_origin;
  std::optional<uint64_t> m_max_price;
  std::set<std::string> m_given_up;
  std::string m_note;
};

}  // namespace tollstream
