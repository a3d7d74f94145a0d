#include "peer/peer_server.h"

#include <httplib.h>

#include <thread>

#include <charconv>

#include "common/error.h"
#include "common/log.h"
#include "common/files.h"
#include "common/http_bind.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/watch/local_hls.h"

namespace tollstream {

struct PeerServer::Impl {
  httplib::Server server;
  std::thread thread;

  Impl() {
    server.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(64 * 1024);
    server.set_read_timeout(5, 0);
    server.set_write_timeout(10, 0);
    server.set_keep_alive_timeout(10);
  }
};

namespace {

void Reply(httplib::Response& res, const PeerAnswer& a) {
  res.status = a.status;
  for (const auto& [name, value] : a.headers) res.set_header(name, value);
  if (a.bytes) {
    auto bytes = a.bytes;  // kept alive until the provider is done
    res.set_content_provider(bytes->size(), a.content_type,
                             [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                               return sink.write(bytes->data() + offset, length);
                             });
  } else {
    res.set_content(a.body, a.content_type);
  }
}

}  // namespace

PeerServer::PeerServer() : m_impl(std::make_unique<Impl>()) {}

PeerServer::~PeerServer() { Stop(); }

void PeerServer::ServeBroadcaster(Broadcaster& b) {
  auto& s = m_impl->server;
  // One request per connection: a viewer asks every few seconds, and a kept
  // connection would hold a worker thread idle in between.
  s.set_keep_alive_max_count(1);
  s.Post("/v1/stream", [&b](const httplib::Request& req, httplib::Response& res) {
    Reply(res, b.Handle("stream", req.body));
  });
  s.Post("/v1/offer", [&b](const httplib::Request& req, httplib::Response& res) {
    Reply(res, b.Handle("offer", req.body));
  });
  s.Post("/v1/segment", [&b](const httplib::Request& req, httplib::Response& res) {
    Reply(res, b.Handle("segment", req.body));
  });
  s.Post("/v1/close", [&b](const httplib::Request& req, httplib::Response& res) {
    Reply(res, b.Handle("close", req.body));
  });
  s.set_error_handler([&b](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.has_header("Content-Length")) return;
    ErrorCode code = res.status == 413   ? ErrorCode::kBodyTooLarge
                     : res.status == 404 ? ErrorCode::kNotFound
                     : res.status >= 500 ? ErrorCode::kInternal
                                         : ErrorCode::kInvalidField;
    Reply(res, b.ErrorAnswer("", MakeError(code, "HTTP " + std::to_string(res.status) + " for " +
                                                     req.method + " " + req.path)));
  });
  s.set_exception_handler([&b](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    LogError("request failed: " + ExceptionMessage(ep));
    Reply(res, b.ErrorAnswer("", MakeError(ErrorCode::kInternal, "internal error")));
  });
}

void PeerServer::ServeViewer(LocalHls& local) {
  auto& s = m_impl->server;
  std::string playlist = "/" + local.stream() + ".m3u8";
  std::string escaped;  // stream names hold [A-Za-z0-9._-]: only '.' means more in a regex
  for (char c : local.stream()) escaped += c == '.' ? std::string("\\.") : std::string(1, c);
  s.Get("/" + escaped + R"(\.m3u8)", [&local](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_content(local.Playlist(), "application/vnd.apple.mpegurl");
  });
  s.Get("/" + escaped + R"(/(\d{1,19})\.ts)", [&local](const httplib::Request& req, httplib::Response& res) {
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
  s.Get("/", [playlist](const httplib::Request&, httplib::Response& res) {
    res.set_content("play " + playlist + " in any HLS player\n", "text/plain");
  });
}

Result<HostPort> PeerServer::Bind(const HostPort& where) {
  int port = BindServer(m_impl->server, where.host, where.port);
  if (port < 0) {
    return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where.host + ":" + std::to_string(where.port));
  }
  return HostPort{where.host, port};
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
