#include "common/http/events.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <memory>

#include "common/http/http_server.h"

namespace tollstream {
namespace {

using Clock = std::chrono::steady_clock;

std::string Frame(const FeedEvent& e) {
  return "id: " + std::to_string(e.seq) + "\nevent: " + e.name + "\ndata: " + e.data.dump() +
         "\n\n";
}

// One open stream, counted while the response (and its provider) lives.
class StreamSlot {
 public:
  explicit StreamSlot(std::shared_ptr<std::atomic<size_t>> open) : m_open(std::move(open)) {}
  ~StreamSlot() { m_open->fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

 private:
  std::shared_ptr<std::atomic<size_t>> m_open;
};

}  // namespace

void ServeEvents(HttpServer& server, const std::string& path, EventFeed& feed, size_t max_streams) {
  auto open = std::make_shared<std::atomic<size_t>>(0);
  server.Get(path, [&server, &feed, open, max_streams](const HttpRequest& req, HttpResponse& res) {
    if (open->fetch_add(1) >= max_streams) {
      open->fetch_sub(1);
      res.status = 503;
      res.SetHeader("Retry-After", "10");
      res.SetContent("too many open event streams; try again later\n", "text/plain");
      return;
    }
    auto slot = std::make_shared<StreamSlot>(open);
    uint64_t after = 0;
    std::string last = req.Header("Last-Event-ID");
    std::from_chars(last.data(), last.data() + last.size(), after);
    auto cursor = std::make_shared<uint64_t>(after);
    auto quiet_since = std::make_shared<Clock::time_point>(Clock::now());
    res.SetHeader("Cache-Control", "no-store");
    res.SetHeader("X-Accel-Buffering", "no");
    res.SetChunkedProvider(
        "text/event-stream", [&server, &feed, cursor, quiet_since, slot](size_t, DataSink& sink) {
          // Called again and again while it returns true; each call waits
          // up to a second, so that a stopped server is noticed.
          if (feed.closed() || !server.IsRunning()) {
            sink.Done();
            return true;
          }
          std::string out;
          for (const FeedEvent& e : feed.Wait(*cursor, std::chrono::seconds(1))) {
            out += Frame(e);
            *cursor = e.seq;
          }
          if (out.empty() && Clock::now() - *quiet_since > std::chrono::seconds(15))
            out = ": keep-alive\n\n";
          if (out.empty()) return sink.IsWritable();
          *quiet_since = Clock::now();
          return sink.Write(out.data(), out.size());
        });
  });
}

}  // namespace tollstream
