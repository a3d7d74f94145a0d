// Serves a TrackerService over HTTP/1.1 (cpp-httplib): every registered
// method at POST /v1/<method>, with JSON bodies, and whatever other routes
// are added to http() (the dashboard, /metrics). A path no route serves gets
// a signed JSON 404 answer.
//
// Limits: bodies over max_body_bytes get 413; a client that does not finish
// its request within read_timeout is dropped; idle keep-alive connections are
// closed after keep_alive_timeout.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.h"
#include "tracker/tracker_service.h"

namespace httplib {
class Server;
}

namespace tollstream {

struct HttpOptions {
  size_t threads = 64;
  size_t max_body_bytes = 64 * 1024;
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  int keep_alive_timeout_seconds = 5;
};

class HttpServer {
 public:
  HttpServer(TrackerService& service, HttpOptions options);
  ~HttpServer();

  // Binds `host:port` (port 0: any free port); returns the bound port.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(). Precondition: Bind succeeded.
  void Serve();
  // Thread-safe; Serve returns soon after.
  void Stop();
  // The server itself, to add routes beside the methods. Add them before Serve().
  httplib::Server& http();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
