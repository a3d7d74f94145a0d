// An HTTP/1.1 server built to stay up under hostile clients.
//
// One event thread owns every connection while it is idle or sending its
// request: it reads with epoll, feeds a bounded RequestParser, and enforces
// the deadlines; a connection costs its socket and what its request holds,
// never a thread. Only a complete request (or one refused by the parser)
// goes to a worker, which runs the handler and writes the answer, then
// hands the connection back for its next request. So idle and slow
// connections cannot take the workers, and no request holds more memory
// than the parser's limits.
//
// Deadlines: an idle connection (no byte of a next request) is closed
// after keep_alive_timeout; once a request's first byte came, the whole
// request, header and body, must arrive within read_timeout, else the
// connection is closed. A write waits at most write_timeout for room.
// Limits: see RequestParser (431, 413, ...); a refused request is answered
// (through the error handler, as any status of 400 and above), and the
// connection is closed after reading and dropping at most 1 MiB more for
// 2 s, so that the client reads the answer. Beyond max_connections a new
// connection gets 503 and is closed.
//
// Routes are regular expressions over the decoded path, tried in the order
// added, whole-path matches only; HEAD is served by the GET routes without
// the body. Thread-safe as far as handlers are: any worker runs any route.
#pragma once

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/http/http_message.h"
#include "common/http/request_parser.h"
#include "common/observe/metrics.h"

namespace tollstream {

struct ServerTuning {
  size_t threads = 64;  // workers: requests handled at once
  size_t max_body_bytes = 64 * 1024;
  int read_timeout_seconds = 5;  // a whole request, header and body
  int write_timeout_seconds = 5;
  int keep_alive_timeout_seconds = 5;
  // Requests served on one connection before it is closed. An idle
  // connection holds no thread here, so the limit only bounds how long one
  // client stays on one server (as nginx's keepalive_requests, whose default
  // is the same): a client calling many times, over the internet, pays the
  // connection's set-up (and a proxy's TLS handshake) once per thousand.
  size_t keep_alive_max_count = 1000;
  size_t max_connections = 10000;
  RequestLimits limits;  // max_body_bytes above wins over limits.max_body_bytes
  // Peers whose X-Forwarded-For and X-Forwarded-Proto are believed
  // (common/http/forwarded.h): the reverse proxies in front, if any.
  std::vector<std::string> trusted_proxies;
};

class HttpServer {
 public:
  enum class Routed { kHandled, kUnhandled };
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  using Gate = std::function<Routed(const HttpRequest&, HttpResponse&)>;
  using Logger = std::function<void(const HttpRequest&, const HttpResponse&)>;
  using ExceptionHandler =
      std::function<void(const HttpRequest&, HttpResponse&, std::exception_ptr)>;

  HttpServer();
  ~HttpServer();  // stops it
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Set before it serves.
  void Tune(const ServerTuning& tuning);
  const ServerTuning& tuning() const;
  void Get(const std::string& pattern, Handler handler);
  void Post(const std::string& pattern, Handler handler);
  // Runs before routing; kHandled answers with what it wrote.
  void SetPreRouting(Gate gate);
  // Runs for every answer with a status of 400 or above, before it is sent.
  void SetErrorHandler(Handler handler);
  // Runs when a handler throws (the status is 500 first).
  void SetExceptionHandler(ExceptionHandler handler);
  // Runs after every answer is written (or failed).
  void SetLogger(Logger logger);
  // Counts the bytes sent with sendfile.
  void CountFileBytes(Metrics::Counter* counter);

  // Binds `host`:`port` (0: a free port) and listens. Returns the port, or
  // -1 (the address is taken or not this machine's), with the reason in
  // `*why` when given ("Address already in use"). Also raises the process's
  // limit of open files to its hard limit.
  int Bind(const std::string& host, int port, std::string* why = nullptr);
  // Serves until Stop(); returns once every worker finished.
  void Run();
  // Ends Run(): stops accepting, closes idle connections at once; answers
  // being written finish (a provider should watch IsRunning()).
  void Stop();
  bool IsRunning() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
