// A proxy in front of a broadcasting node that flips a byte in the middle of
// segment `bad_seq` on its way to the viewer, leaving its signed statement as
// it was: what a dishonest relay or a hostile network would do. With
// `withhold_segments`, it passes everything on but the segments, which never
// arrive: a seller that opens contracts and delivers nothing. With
// `resign_with`, every segment goes whole but under a statement signed by
// that key: a relay that passes itself off as the origin.
#pragma once

#include <httplib.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/protocol/segment.h"
#include "common/wire/json.h"

namespace tollstream::test {

class TamperingProxy {
 public:
  explicit TamperingProxy(uint64_t bad_seq) {
    m_server.Post(
        R"(/v1/(\w+))", [this, bad_seq](const httplib::Request& req, httplib::Response& res) {
          if (withhold_segments && req.path == "/v1/segment") {
            ++withheld;
            res.status = 502;
            return;
          }
          httplib::Client upstream(target());
          auto r = upstream.Post(req.path, req.body, "application/json");
          if (!r) {
            res.status = 502;
            return;
          }
          res.status = r->status;
          std::string body = r->body;
          std::string statement = r->get_header_value(kSegmentHeader);
          if (!statement.empty() && resign_with) {
            // Signed anew by the relay's own key, bytes unchanged.
            auto st = *ParseSegmentStatement(statement);
            statement =
                SignSegment(*resign_with, st.stream, st.seq, body, st.duration_ms).ToJson().dump();
            ++tampered;
          }
          if (!statement.empty()) {
            res.set_header(kSegmentHeader, statement);
            if (!resign_with && json::parse(statement)["seq"] == bad_seq) {
              body[body.size() / 2] = static_cast<char>(body[body.size() / 2] ^ 0x5a);
              ++tampered;
            }
          }
          res.set_content(body, r->get_header_value("Content-Type"));
        });
    port = m_server.bind_to_any_port("127.0.0.1");
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
  }
  ~TamperingProxy() {
    m_server.stop();
    m_thread.join();
  }
  void SetTarget(std::string url) {
    std::lock_guard lock(m_mutex);
    m_target = std::move(url);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  int port = 0;
  std::atomic<int> tampered{0};
  std::atomic<bool> withhold_segments{false};
  std::atomic<int> withheld{0};
  // Set before use: every statement signed by this key instead of the origin's.
  std::optional<KeyPair> resign_with;

 private:
  std::string target() {
    std::lock_guard lock(m_mutex);
    return m_target;
  }
  std::mutex m_mutex;
  std::string m_target;
  httplib::Server m_server;
  std::thread m_thread;
};

}  // namespace tollstream::test
