#include "common/http/health.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>

#include "common/http/http_server.h"
#include "common/http/json_reply.h"

namespace tollstream {

void ServeHealth(HttpServer& server, std::vector<ReadyCheck> checks) {
  server.Get("/healthz", [](const HttpRequest&, HttpResponse& res) {
    ReplyJson(res, 200, {{"status", "ok"}});
  });
  // The checks run at most once a second (a probe write each): a flood of
  // requests gets the last answer.
  struct Cached {
    std::mutex mutex;
    std::chrono::steady_clock::time_point at;
    bool ready = false;
    json body;
  };
  auto cached = std::make_shared<Cached>();
  server.Get("/readyz",
             [checks = std::move(checks), cached](const HttpRequest&, HttpResponse& res) {
               std::lock_guard lock(cached->mutex);
               auto now = std::chrono::steady_clock::now();
               if (cached->body.is_null() || now - cached->at >= std::chrono::seconds(1)) {
                 json results = json::object();
                 bool ready = true;
                 for (const auto& c : checks) {
                   Status s = c.check();
                   results[c.name] =
                       s ? json{{"ok", true}} : json{{"ok", false}, {"error", s.error().message}};
                   ready = ready && s.ok();
                 }
                 cached->at = now;
                 cached->ready = ready;
                 cached->body = {{"ready", ready}, {"checks", std::move(results)}};
               }
               ReplyJson(res, cached->ready ? 200 : 503, cached->body);
             });
}

Status CheckWritable(const std::string& dir) {
  std::string path = dir + "/.readyz-" + std::to_string(::getpid());
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot write in " + dir + ": " + std::strerror(errno));
  }
  bool ok = ::write(fd, "ready\n", 6) == 6 && ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  ::unlink(path.c_str());
  if (!ok) {
    return MakeError(ErrorCode::kUnavailable, "cannot write in " + dir + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace tollstream
