// The HTTP servers of the peer nodes (cpp-httplib).
//
// Broadcaster: POST /v1/stream, /v1/probe, /v1/offer, /v1/segment, /v1/close
// (the viewers' API); GET / (the status page), /events (its server-sent events).
// Viewer: GET /<stream>.m3u8 (the local playlist) and /<stream>/<seq>.ts;
// GET / (the player page), /events, /api/status, /api/streams?query= (the
// tracker's directory, for a node started without a stream); POST
// /api/top-up, /api/stop, /api/watch, /api/retry and /api/rendition (the page's buttons).
// Both: GET /metrics once Instrument() is called; GET /healthz and /readyz
// once ServeHealth() is.
//
// The viewer answers only to a Host that names it, against DNS rebinding (a
// web page whose own name its owner pointed at 127.0.0.1 would otherwise
// read the node's figures and segments as its own): 127.0.0.1, localhost,
// [::1], its listening address or any IP address, with its port. Any other
// Host gets 403 `wrong_host` on every route but the seller API (/v1/, which
// a relay serves to viewers whatever name they use).
//
// The viewer's control routes act only for the node's own pages: they need
// the header X-Tollstream-Control (which a cross-site form cannot send, and
// a cross-site script only after a CORS preflight the node never grants), a
// Host naming the node by a loopback name or its listening address, and,
// when the browser sends an Origin, that same origin.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/cli/host_port.h"
#include "common/http/health.h"
#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
#include "common/wire/json.h"

namespace tollstream {

class Broadcaster;
class LocalHls;

// What the viewer's page may ask of the node.
struct WatchControls {
  EventFeed* feed = nullptr;                     // the figures, live
  std::function<json()> status;                  // the figures now
  std::function<Result<json>(uint64_t)> top_up;  // adds tokens to the budget
  std::function<void()> stop;                    // stop buying; settle
  // The live streams whose name or title holds the query (the directory).
  std::function<Result<json>(const std::string&)> streams;
  // Starts buying a stream of the directory: its name and origin key (hex).
  std::function<Status(const std::string&, const std::string&)> watch;
  std::function<Status()> retry;  // buys again after buying failed
  // Pins a rendition of a stream sold in several ("": adapts again).
  std::function<Result<json>(const std::string&)> rendition;
};

class PeerServer {
 public:
  PeerServer();
  ~PeerServer();

  // The broadcaster's API and its status page; `feed` carries the page's figures.
  void ServeBroadcaster(Broadcaster& broadcaster, EventFeed& feed);
  // The broadcaster's API alone (a relay serves it beside the viewer's page).
  void ServeSellerApi(Broadcaster& broadcaster);
  void ServeViewer(LocalHls& local, WatchControls controls);
  // GET /healthz and /readyz (common/http/health.h) with these checks.
  void ServeHealth(std::vector<ReadyCheck> checks);
  // Counts every request by route and status, and serves GET /metrics.
  // `metrics` outlives the server. Call after Serve*.
  void Instrument(Metrics& metrics);

  // Binds `where` (port 0: any free port); returns the bound address.
  Result<HostPort> Bind(const HostPort& where);
  // Serves in a thread of its own until Stop().
  void Start();
  void Stop();

 private:
  struct Impl;
  // The viewer's page's buttons and the directory it lists.
  static void ServeControls(Impl* impl, const WatchControls& controls);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
