// A relay: a viewer that sells on the segments it bought, under contracts
// of its own paid to its key's income address, each segment with its
// origin's statement forwarded unchanged. Once it holds a segment it
// announces itself at the tracker as a relay of the origin, and renews the
// announcement; it closes the contracts of quiet viewers; when it stops it
// withdraws, settles every contract and pays its income out.
//
// Add, SetFinished and End may be called from the buying thread while the
// relay runs.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/ladder.h"
#include "peer/node/announcer.h"
#include "peer/node/seller_account.h"
#include "peer/relay/relay_supply.h"

namespace tollstream {

struct RelayOptions {
  std::string tracker_url;
  std::string stream;
  uint64_t price = 0;
  int64_t ttl = 30;                 // of each announcement
  std::string state_dir;            // its open contracts and their last receipts
  std::optional<PublicKey> origin;  // else the origin of the first segment bought
  // The origin's renditions it re-sells, the top one first, each at the
  // relay's own price (`price` the top one's); none: one quality, the one
  // bought, at `price`. Segments come in by their statement's rendition.
  std::vector<RenditionSpec> renditions;
};

class Relay {
 public:
  // Ready to sell (nothing yet); contracts an earlier run left are settled.
  // Its progress goes to `feed` and stdout; it counts in `metrics`. Both
  // outlive the relay. Errors: the tracker's, or the state dir's.
  static Result<std::unique_ptr<Relay>> Open(const KeyPair& key, RelayOptions options,
                                             EventFeed& feed, Metrics& metrics);
  // Stops the thread, if Stop() did not; settles nothing.
  ~Relay();

  // A segment bought and checked, to sell on (one of a rendition not
  // re-sold is dropped).
  void Add(const SegmentStatement& statement, const std::string& bytes);
  // Upstream, the stream is a finished recording.
  void SetFinished();
  // Nothing more will come.
  void End();
  // What viewers call (PeerServer::ServeSellerApi).
  Broadcaster& seller() { return *m_seller; }

  // Announces at `url` once a segment is held, in a thread of its own.
  void Start(std::string url);
  // Stops announcing, settles every contract, pays the income out; whether
  // the income was paid out. Once.
  bool Stop();

 private:
  Relay(RelayOptions options, SellerAccount account);
  void Loop(const std::string& url);

  RelayOptions m_options;
  RelaySupply m_supply;                               // the top rendition's, or the one quality's
  std::vector<std::unique_ptr<RelaySupply>> m_lower;  // the other renditions'
  SellerAccount m_account;
  std::unique_ptr<Broadcaster> m_seller;
  std::optional<Announcer> m_announcer;  // once the origin is known
  std::atomic<bool> m_done{false};
  std::thread m_thread;
  bool m_stopped = false;
  bool m_settled = false;
};

}  // namespace tollstream
