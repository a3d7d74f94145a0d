// The receiving node: buys a stream within a budget (Viewer), keeps what it
// bought as a local HLS stream that any player reads, and serves it with
// the viewer's page (its figures live, buttons to top up and to stop) and
// /metrics; with a relay, it also sells what it bought. When the stream
// ends it keeps serving until told to stop, unless asked to exit then.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/cli/host_port.h"
#include "common/crypto/keys.h"
#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
#include "peer/node/page_choices.h"
#include "peer/node/stop_flag.h"
#include "peer/peer_server.h"
#include "peer/relay/relay.h"
#include "peer/relay/relay_renditions.h"
#include "peer/watch/viewer.h"

namespace tollstream {

class CurrentViewer;

struct WatchOptions {
  std::string tracker_url;
  std::string stream;  // empty: chosen on the watch page, from the tracker's directory
  uint64_t budget = 0;
  HostPort listen;
  std::string out_path;   // also every segment's bytes here, if set
  std::string store_dir;  // the bought segments (default: a temporary directory)
  std::optional<PublicKey> origin;
  std::optional<uint64_t> max_price;  // the most a segment may cost
  std::string rendition;              // of a stream sold in several, the one to buy ("": the top)
  std::string origin_spec;            // --origin as a code or key prefix, resolved at start
  bool exit_at_end = false;
  int64_t wait_for_stream_seconds = 0;  // for the stream to be announced (0: ask once)
  int64_t reconnect_seconds = 30;       // a silent source is waited for, then looked for
  std::optional<RelayOptions> relay;    // sell on what is bought
  // With a relay: the origin's renditions to re-sell ("all", or names
  // separated by commas; "": the one bought), and their prices for
  // PriceRenditions ("": in proportion to bitrate from the relay's price).
  std::string relay_renditions, relay_rendition_prices;
  std::optional<std::string> advertise_url;  // the relay's (default: the bound address)
};

class WatchNode {
 public:
  WatchNode(KeyPair key, WatchOptions options);

  // Without a stream, serves the watch page's directory until a stream is
  // chosen there. Buys until the stream ends, the budget is spent, or
  // `stop_buying` (the page's stop button, or a signal); when buying stops
  // short (a failure, no source left), waits for the page's retry (unless
  // exit_at_end). Then serves what it
  // bought until `stop` (at once with exit_at_end), and settles the relay.
  // Returns the exit status: 0, or 1 when the relay's income could not be
  // paid out. Errors: what kept it from starting, or from buying at all.
  Result<int> Run(StopFlag& stop, StopFlag& stop_buying);

 private:
  ViewerConfig Config(EventFeed& feed, Metrics& metrics) const;
  // What buying shares with the page.
  struct PageBuying {
    LocalHls& local;
    CurrentViewer& current;
    PageChoices& choices;
    StopFlag& stop_buying;
    EventFeed& feed;
  };
  // Without a stream given: buys the stream chosen on the page; when none
  // of it could be bought, the page chooses again.
  Result<ViewerOutcome> ChooseAndBuy(ViewerConfig config, const PageBuying& page,
                                     const std::string& serving);
  // Buys with `config`, again from where it stopped each time the page
  // asks to retry after buying stopped short (a failure, no source left);
  // with `may_choose_again`, a failure before anything was bought ends it.
  Result<ViewerOutcome> Buy(ViewerConfig config, const PageBuying& page, bool may_choose_again);
  // The page's buttons; a top-up is shared with `lower`'s viewers, if any.
  WatchControls Controls(CurrentViewer& current, PageChoices& choices, StopFlag& stop_buying,
                         EventFeed& feed, LowerRenditionBuyers* lower);
  // --origin given as a code or a key's first digits: the one origin it
  // names, from the tracker's directory.
  Status ResolveOrigin();
  // With --relay-renditions: the renditions the relay re-sells and buys
  // (m_ladder), and their origin.
  Status ResolveRelayLadder();
  // Sends what `config` buys to `relay` and, with several renditions,
  // starts `lower` buying the others once the first segment is bought.
  void FeedRelay(ViewerConfig& config, Relay& relay, std::unique_ptr<LowerRenditionBuyers>& lower,
                 std::mutex& spend_lock, const std::string& store_dir);

  KeyPair m_key;
  WatchOptions m_options;
  std::optional<RelayLadder> m_ladder;
};

}  // namespace tollstream
