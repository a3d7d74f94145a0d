#include "peer/peer_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cctype>
#include <charconv>
#include <set>
#include <span>
#include <thread>

#include "common/base/ascii.h"
#include "common/base/error.h"
#include "common/base/files.h"
#include "common/http/events.h"
#include "common/http/http_server.h"
#include "common/http/json_reply.h"
#include "common/http/server_metrics.h"
#include "common/http/web_assets.h"
#include "common/rpc/http_endpoint.h"
#include "common/wire/fields.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/watch/local_hls.h"

namespace tollstream {

std::span<const WebAsset> PeerWatchAssets();
std::span<const WebAsset> PeerBroadcastAssets();

namespace {

// A node's server (its pages, a viewer's local stream): a write may take 10 s,
// and a quiet connection is kept 10 s.
ServerTuning PageTuning() {
  ServerTuning t;
  t.write_timeout_seconds = 10;
  t.keep_alive_timeout_seconds = 10;
  return t;
}

// The broadcaster's API. A connection is kept after a delivered segment only
// (every other answer asks the client to close it; see WriteAnswer), and
// waits a second at most for the next request: a viewer waiting for the
// next segment of a live stream holds no worker thread.
EndpointOptions SellerApi() {
  EndpointOptions o;
  o.tuning = PageTuning();
  o.tuning.keep_alive_max_count = 1000;
  o.tuning.keep_alive_timeout_seconds = 1;
  o.connections = ConnectionPolicy::kCloseUnlessPayload;
  o.not_found = EndpointOptions::NotFound::kApiPaths;  // the pages' paths: an empty 404
  o.wording = EndpointOptions::Wording::kRoute;
  return o;
}

// Whether `host` is an IPv4 address or a bracketed IPv6 address.
bool IpLiteral(const std::string& host) {
  unsigned char address[sizeof(in6_addr)];
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), address) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), address) == 1;
}

// 404; `what` the body (none for a path the node does not serve at all).
void NoSuch(HttpResponse& res, const char* what) {
  res.status = 404;
  if (*what != '\0') res.SetContent(what, "text/plain");
}

}  // namespace

struct PeerServer::Impl {
  HttpServer server;  // segments go out from files' pages (sendfile)
  std::thread thread;
  std::set<std::string> routes;  // the paths served, as metric labels
  LocalHls* local = nullptr;     // the viewer's stream, when served
  HostPort bound;

  void Get(const std::string& path, HttpServer::Handler handler) {
    routes.insert(path);
    server.Get(path, std::move(handler));
  }
  void Assets(std::span<const WebAsset> assets) {
    for (const auto& a : assets) routes.insert(std::string(a.path));
    ServeAssets(server, assets);
  }
  bool viewer = false;  // the viewer's routes are served: check every request's Host

  // Whether `host` (a Host header) names the node as its own page does: a
  // loopback name or the listening address, with the port.
  bool OwnHost(const std::string& host) const {
    std::string port = ":" + std::to_string(bound.port);
    return host == "127.0.0.1" + port || host == "localhost" + port || host == "[::1]" + port ||
           host == AsciiLower(bound.host) + port;
  }
  // Whether a control request comes from the node's own page (see the header).
  bool FromOwnPage(const HttpRequest& req) const {
    if (!req.HasHeader("X-Tollstream-Control")) return false;
    std::string host = req.Header("Host");
    if (!OwnHost(host)) return false;
    return !req.HasHeader("Origin") || req.Header("Origin") == "http://" + host;
  }
  // Whether a request's Host names the node (see the header). A request
  // without one is no browser's, and a browser is what a rebound name fools.
  bool HostNamesNode(const HttpRequest& req) const {
    if (!req.HasHeader("Host")) return true;
    std::string host = AsciiLower(req.Header("Host"));
    std::string port = ":" + std::to_string(bound.port);
    bool no_port = host.find(':') == std::string::npos || host.back() == ']';
    if (bound.port == 80 && no_port) host += port;
    if (OwnHost(host)) return true;
    return host.ends_with(port) && IpLiteral(host.substr(0, host.size() - port.size()));
  }
  // Runs before routing: false when it refused the request (see the header).
  bool Admit(const HttpRequest& req, HttpResponse& res) const {
    if (!viewer || req.path.starts_with("/v1/") || HostNamesNode(req)) return true;
    std::string port = std::to_string(bound.port);
    ReplyJson(res, 403,
              {{"error",
                {{"code", "wrong_host"},
                 {"message", "this node answers only to a Host that names it: 127.0.0.1:" + port +
                                 ", localhost:" + port + ", [::1]:" + port +
                                 ", its --listen address or an IP address, with port " + port +
                                 " (another name may be one a web page pointed here)"}}}});
    return false;
  }

  Impl() { server.Tune(PageTuning()); }
};

PeerServer::PeerServer() : m_impl(std::make_unique<Impl>()) {}

PeerServer::~PeerServer() {
  Stop();
}

void PeerServer::ServeBroadcaster(Broadcaster& b, EventFeed& feed) {
  m_impl->routes.insert("/events");
  m_impl->Assets(PeerBroadcastAssets());
  ServeEvents(m_impl->server, "/events", feed);
  ServeSellerApi(b);
}

void PeerServer::ServeSellerApi(Broadcaster& b) {
  b.api().ForEachMethod([&](const std::string& name) { m_impl->routes.insert("/v1/" + name); });
  ServeSigned(m_impl->server, b.api(), SellerApi());
}

void PeerServer::ServeViewer(LocalHls& local, WatchControls controls) {
  auto& s = m_impl->server;
  Impl* impl = m_impl.get();
  impl->viewer = true;
  impl->local = &local;
  s.SetPreRouting([impl](const HttpRequest& req, HttpResponse& res) {
    return impl->Admit(req, res) ? HttpServer::Routed::kUnhandled : HttpServer::Routed::kHandled;
  });
  // The stream's name may be chosen on the page after the server starts:
  // the routes take any name, and serve the stream's alone.
  s.Get(R"(/([A-Za-z0-9._-]{1,64})\.m3u8)", [&local](const HttpRequest& req, HttpResponse& res) {
    if (req.matches[1].str() != local.stream()) return NoSuch(res, "");
    res.SetHeader("Cache-Control", "no-cache");
    res.SetContent(local.Playlist(), "application/vnd.apple.mpegurl");
  });
  s.Get(R"(/([A-Za-z0-9._-]{1,64})/(\d{1,19})\.ts)",
        [&local](const HttpRequest& req, HttpResponse& res) {
          if (req.matches[1].str() != local.stream()) return NoSuch(res, "");
          uint64_t seq = 0;
          std::string digits = req.matches[2].str();
          auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
          auto path = ec == std::errc() ? local.SegmentPath(seq) : std::nullopt;
          auto data = path ? ReadWholeFile(*path) : std::nullopt;
          if (!data) return NoSuch(res, "no such segment\n");
          res.SetContent(std::move(*data), "video/mp2t");
        });
  m_impl->Assets(PeerWatchAssets());
  if (controls.feed) {
    m_impl->routes.insert("/events");
    ServeEvents(s, "/events", *controls.feed);
  }
  m_impl->Get("/api/status", [controls](const HttpRequest&, HttpResponse& res) {
    ReplyJson(res, 200, controls.status ? controls.status() : json::object());
  });
  ServeControls(impl, controls);
}

void PeerServer::ServeControls(Impl* impl, const WatchControls& controls) {
  // A control route: served to the node's own page only (see the header).
  auto control = [impl](const std::string& path, HttpServer::Handler handler) {
    impl->routes.insert(path);
    impl->server.Post(path, [impl, handler](const HttpRequest& req, HttpResponse& res) {
      if (!impl->FromOwnPage(req)) {
        return ReplyError(res, MakeError(ErrorCode::kForbidden,
                                         "control requests come from the node's own page only"));
      }
      handler(req, res);
    });
  };
  control("/api/top-up", [controls](const HttpRequest& req, HttpResponse& res) {
    json body = json::parse(req.body, nullptr, false);
    auto amount = body.is_object() ? FindAmount(body, "amount") : std::nullopt;
    if (!amount || body.size() != 1) {
      return ReplyError(res,
                        MakeError(ErrorCode::kInvalidField,
                                  "the body must be {\"amount\": N}, N a whole number of tokens"));
    }
    auto topped = controls.top_up(*amount);
    if (!topped) return ReplyError(res, topped.error());
    ReplyJson(res, 200, *topped);
  });
  control("/api/stop", [controls](const HttpRequest&, HttpResponse& res) {
    controls.stop();
    ReplyJson(res, 200, {{"stopping", true}});
  });
  impl->Get("/api/streams", [controls](const HttpRequest& req, HttpResponse& res) {
    auto listed = controls.streams(req.Param("query"));
    if (!listed) return ReplyError(res, listed.error());
    ReplyJson(res, 200, *listed);
  });
  control("/api/watch", [controls](const HttpRequest& req, HttpResponse& res) {
    json body = json::parse(req.body, nullptr, false);
    auto stream = body.is_object() ? FindString(body, "stream") : std::nullopt;
    auto origin = body.is_object() ? FindString(body, "origin") : std::nullopt;
    if (!stream || !origin || body.size() != 2) {
      return ReplyError(res, MakeError(ErrorCode::kInvalidField,
                                       "the body must be {\"stream\": NAME, \"origin\": KEY}"));
    }
    if (Status chosen = controls.watch(*stream, *origin); !chosen) {
      return ReplyError(res, chosen.error());
    }
    ReplyJson(res, 200, {{"watching", *stream}});
  });
  control("/api/rendition", [controls](const HttpRequest& req, HttpResponse& res) {
    json body = json::parse(req.body, nullptr, false);
    auto name = body.is_object() ? FindString(body, "rendition") : std::nullopt;
    if (!name || body.size() != 1) {
      return ReplyError(res, MakeError(ErrorCode::kInvalidField,
                                       "the body must be {\"rendition\": NAME}, \"\" to adapt"));
    }
    auto pinned = controls.rendition(*name);
    if (!pinned) return ReplyError(res, pinned.error());
    ReplyJson(res, 200, *pinned);
  });
  control("/api/retry", [controls](const HttpRequest&, HttpResponse& res) {
    if (Status asked = controls.retry(); !asked) return ReplyError(res, asked.error());
    ReplyJson(res, 200, {{"retrying", true}});
  });
}

void PeerServer::ServeHealth(std::vector<ReadyCheck> checks) {
  m_impl->routes.insert("/healthz");
  m_impl->routes.insert("/readyz");
  tollstream::ServeHealth(m_impl->server, std::move(checks));
}

void PeerServer::Instrument(Metrics& metrics) {
  Impl* impl = m_impl.get();
  impl->routes.insert("/metrics");
  metrics.DeclareCounter(
      "tollstream_peer_file_bytes_sent_total",
      "Bytes sent straight from files in the kernel's cache (sendfile), not copied from memory.");
  impl->server.CountFileBytes(&metrics.counter("tollstream_peer_file_bytes_sent_total"));
  auto route_of = [impl](const HttpRequest& req) -> std::string {
    if (impl->routes.count(req.path)) return req.path;
    if (impl->local == nullptr) return "other";
    std::string stream = impl->local->stream();
    if (stream.empty()) return "other";
    if (req.path == "/" + stream + ".m3u8") return req.path;
    std::string prefix = "/" + stream + "/";
    if (req.path.compare(0, prefix.size(), prefix) == 0) return prefix + "<seq>.ts";
    return "other";
  };
  InstrumentServer(
      impl->server, metrics, route_of,
      [impl](const HttpRequest& req, HttpResponse& res) { return impl->Admit(req, res); });
}

Result<HostPort> PeerServer::Bind(const HostPort& where) {
  std::string why;
  int port = m_impl->server.Bind(where.host, where.port, &why);
  if (port < 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where.host + ":" +
                                                  std::to_string(where.port) + ": " + why);
  }
  m_impl->bound = HostPort{where.host, port};
  return m_impl->bound;
}

void PeerServer::Start() {
  m_impl->thread = std::thread([this] { m_impl->server.Run(); });
}

void PeerServer::Stop() {
  if (m_impl->thread.joinable()) {
    m_impl->server.Stop();
    m_impl->thread.join();
  }
}

}  // namespace tollstream
