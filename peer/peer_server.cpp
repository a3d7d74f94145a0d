#include "peer/peer_server.h"

#include <httplib.h>

#include <charconv>
#include <set>
#include <span>
#include <thread>

#include "common/base/error.h"
#include "common/base/files.h"
#include "common/http/bind.h"
#include "common/http/events.h"
#include "common/http/server_metrics.h"
#include "common/http/web_assets.h"
#include "common/http/zero_copy_server.h"
#include "common/observe/log.h"
#include "common/wire/fields.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/http_reply.h"
#include "peer/watch/local_hls.h"

namespace tollstream {

std::span<const WebAsset> PeerWatchAssets();
std::span<const WebAsset> PeerBroadcastAssets();

struct PeerServer::Impl {
  ZeroCopyServer server;  // segments go out from files' pages (sendfile)
  std::thread thread;
  std::set<std::string> routes;  // the paths served, as metric labels
  std::string segment_prefix;    // the viewer's segments: "/<stream>/"
  HostPort bound;

  void Get(const std::string& path, httplib::Server::Handler handler) {
    routes.insert(path);
    server.Get(path, std::move(handler));
  }
  void Assets(std::span<const WebAsset> assets) {
    for (const auto& a : assets) routes.insert(std::string(a.path));
    ServeAssets(server, assets);
  }
  // Whether a control request comes from the node's own page (see the header).
  bool FromOwnPage(const httplib::Request& req) const {
    if (!req.has_header("X-Tollstream-Control")) return false;
    std::string host = req.get_header_value("Host");
    std::string port = ":" + std::to_string(bound.port);
    bool known = host == "127.0.0.1" + port || host == "localhost" + port ||
                 host == "[::1]" + port || host == bound.host + port;
    if (!known) return false;
    return !req.has_header("Origin") || req.get_header_value("Origin") == "http://" + host;
  }

  Impl() {
    server.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(64 * 1024);
    server.set_read_timeout(5, 0);
    server.set_write_timeout(10, 0);
    server.set_keep_alive_timeout(10);
  }
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
  auto& s = m_impl->server;
  for (const char* path : {"/v1/stream", "/v1/probe", "/v1/offer", "/v1/segment", "/v1/close"}) {
    m_impl->routes.insert(path);
  }
  // A connection is kept after a delivered segment only (every other answer
  // asks the client to close it; see WriteAnswer), and waits a second at
  // most for the next request: a viewer waiting for the next segment of a
  // live stream holds no worker thread.
  s.set_keep_alive_max_count(1000);
  s.set_keep_alive_timeout(1);
  s.Post("/v1/stream", [&b](const httplib::Request& req, httplib::Response& res) {
    WriteAnswer(res, b.Handle("stream", req.body));
  });
  s.Post("/v1/probe", [&b](const httplib::Request& req, httplib::Response& res) {
    WriteAnswer(res, b.Handle("probe", req.body));
  });
  s.Post("/v1/offer", [&b](const httplib::Request& req, httplib::Response& res) {
    WriteAnswer(res, b.Handle("offer", req.body));
  });
  s.Post("/v1/segment", [&b](const httplib::Request& req, httplib::Response& res) {
    WriteAnswer(res, b.Handle("segment", req.body));
  });
  s.Post("/v1/close", [&b](const httplib::Request& req, httplib::Response& res) {
    WriteAnswer(res, b.Handle("close", req.body));
  });
  s.set_error_handler([&b](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.has_header("Content-Length")) return;
    if (req.path.rfind("/v1/", 0) != 0 && res.status == 404) return;  // not the API: an empty 404
    ErrorCode code = res.status == 413   ? ErrorCode::kBodyTooLarge
                     : res.status == 404 ? ErrorCode::kNotFound
                     : res.status >= 500 ? ErrorCode::kInternal
                                         : ErrorCode::kInvalidField;
    WriteAnswer(res, b.ErrorAnswer("", MakeError(code, "HTTP " + std::to_string(res.status) +
                                                           " for " + req.method + " " + req.path)));
  });
  s.set_exception_handler(
      [&b](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        LogError("request failed: " + ExceptionMessage(ep));
        WriteAnswer(res, b.ErrorAnswer("", MakeError(ErrorCode::kInternal, "internal error")));
      });
}

namespace {

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json");
}

void ReplyError(httplib::Response& res, const Error& e) {
  ReplyJson(res, HttpStatus(e.code),
            {{"error", {{"code", CodeName(e.code)}, {"message", e.message}}}});
}

}  // namespace

void PeerServer::ServeViewer(LocalHls& local, WatchControls controls) {
  auto& s = m_impl->server;
  Impl* impl = m_impl.get();
  std::string escaped;  // stream names hold [A-Za-z0-9._-]: only '.' means more in a regex
  for (char c : local.stream()) escaped += c == '.' ? std::string("\\.") : std::string(1, c);
  m_impl->routes.insert("/" + local.stream() + ".m3u8");
  m_impl->segment_prefix = "/" + local.stream() + "/";
  s.Get("/" + escaped + R"(\.m3u8)", [&local](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(local.Playlist(), "application/vnd.apple.mpegurl");
  });
  s.Get("/" + escaped + R"(/(\d{1,19})\.ts)",
        [&local](const httplib::Request& req, httplib::Response& res) {
          uint64_t seq = 0;
          std::string digits = req.matches[1].str();
          auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq);
          auto path = ec == std::errc() ? local.SegmentPath(seq) : std::nullopt;
          auto data = path ? ReadWholeFile(*path) : std::nullopt;
          if (!data) {
            res.status = 404;
            res.set_content("no such segment\n", "text/plain");
            return;
          }
          res.set_content(std::move(*data), "video/mp2t");
        });
  m_impl->Assets(PeerWatchAssets());
  if (controls.feed) {
    m_impl->routes.insert("/events");
    ServeEvents(s, "/events", *controls.feed);
  }
  m_impl->Get("/api/status", [controls](const httplib::Request&, httplib::Response& res) {
    ReplyJson(res, 200, controls.status ? controls.status() : json::object());
  });
  // A control route: served to the node's own page only (see the header).
  auto control = [impl](const std::string& path, httplib::Server::Handler handler) {
    impl->routes.insert(path);
    impl->server.Post(path, [impl, handler](const httplib::Request& req, httplib::Response& res) {
      if (!impl->FromOwnPage(req)) {
        return ReplyError(res, MakeError(ErrorCode::kForbidden,
                                         "control requests come from the node's own page only"));
      }
      handler(req, res);
    });
  };
  control("/api/top-up", [controls](const httplib::Request& req, httplib::Response& res) {
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
  control("/api/stop", [controls](const httplib::Request&, httplib::Response& res) {
    controls.stop();
    ReplyJson(res, 200, {{"stopping", true}});
  });
}

void PeerServer::Instrument(Metrics& metrics) {
  Impl* impl = m_impl.get();
  impl->routes.insert("/metrics");
  metrics.DeclareCounter(
      "tollstream_peer_file_bytes_sent_total",
      "Bytes sent straight from files in the kernel's cache (sendfile), not copied from memory.");
  impl->server.CountFileBytes(&metrics.counter("tollstream_peer_file_bytes_sent_total"));
  InstrumentServer(impl->server, metrics, [impl](const httplib::Request& req) -> std::string {
    if (impl->routes.count(req.path)) return req.path;
    const std::string& prefix = impl->segment_prefix;
    if (!prefix.empty() && req.path.compare(0, prefix.size(), prefix) == 0)
      return prefix + "<seq>.ts";
    return "other";
  });
}

Result<HostPort> PeerServer::Bind(const HostPort& where) {
  int port = BindServer(m_impl->server, where.host, where.port);
  if (port < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on " + where.host + ":" + std::to_string(where.port));
  }
  m_impl->bound = HostPort{where.host, port};
  return m_impl->bound;
}

void PeerServer::Start() {
  m_impl->thread = std::thread([this] { m_impl->server.listen_after_bind(); });
}

void PeerServer::Stop() {
  if (m_impl->thread.joinable()) {
    m_impl->server.stop();
    m_impl->thread.join();
  }
}

}  // namespace tollstream
