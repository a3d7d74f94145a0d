#include "common/http/http_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>
#include <string_view>
#include <vector>

#include "common/http/connection_loop.h"
#include "common/http/forwarded.h"
#include "common/http/socket_sink.h"

namespace tollstream {
namespace {

struct Route {
  std::string method;
  std::string pattern;
  bool literal;  // no regular-expression syntax: compared as a string
  std::regex regex;
  HttpServer::Handler handler;
};

bool Literal(const std::string& pattern) {
  return pattern.find_first_of("\\^$.|?*+()[]{}") == std::string::npos;
}

// Whether the connection may carry another request after this answer.
bool KeepAlive(const HttpRequest& req, const HttpResponse& res) {
  std::string asked = req.Header("Connection");
  if (SameName(asked, "close")) return false;
  if (req.version == "HTTP/1.0" && !SameName(asked, "keep-alive")) return false;
  return !SameName(res.headers.Get("Connection"), "close");
}

void RaiseOpenFileLimit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

struct HttpServer::Impl final : ConnectionLoop::Answerer {
  ServerTuning tuning;
  std::vector<Route> routes;
  Gate gate;
  Handler error_handler;
  ExceptionHandler exception_handler;
  Logger logger;
  Metrics::Counter* file_bytes = nullptr;
  int listen_fd = -1;
  std::unique_ptr<ConnectionLoop> loop;

  ~Impl() override {
    if (listen_fd >= 0) ::close(listen_fd);
  }

  void Add(std::string method, const std::string& pattern, Handler handler) {
    bool literal = Literal(pattern);
    routes.push_back({std::move(method), pattern, literal,
                      literal ? std::regex() : std::regex(pattern), std::move(handler)});
  }

  // Runs the route of `req`; false when none serves its method and path.
  bool RouteRequest(HttpRequest& req, HttpResponse& res) {
    std::string_view method = req.method == "HEAD" ? std::string_view("GET") : req.method;
    for (const Route& r : routes) {
      if (r.method != method) continue;
      if (r.literal ? req.path != r.pattern : !std::regex_match(req.path, req.matches, r.regex)) {
        continue;
      }
      r.handler(req, res);
      return true;
    }
    return false;
  }

  void Handle(HttpRequest& req, HttpResponse& res) {
    try {
      bool routed = gate && gate(req, res) == Routed::kHandled;
      if (!routed) routed = RouteRequest(req, res);
      if (res.status == -1) res.status = routed ? 200 : 404;
    } catch (...) {
      res = HttpResponse();
      res.status = 500;
      if (exception_handler) exception_handler(req, res, std::current_exception());
    }
  }

  // ConnectionLoop::Answerer: answers one request on a worker.
  bool Serve(ConnectionLoop::Request& in, int fd) override {
    HttpRequest& req = in.parser.request();
    req.remote_addr = in.remote;
    req.remote_port = in.remote_port;
    ResolveForwarded(req, tuning.trusted_proxies);
    HttpResponse res;
    bool refused = in.parser.failed();
    if (refused) {
      res.status = in.parser.status();
      res.refusal = in.parser.reason();
    } else {
      Handle(req, res);
    }
    if (res.status >= 400 && error_handler) {
      try {
        error_handler(req, res);
      } catch (...) {
      }
    }
    if (refused && res.body.empty() && !res.provider && !res.chunked) {
      res.SetContent(in.parser.reason() + "\n", "text/plain");
    }
    bool keep = !refused && loop->running() && KeepAlive(req, res) &&
                in.served + 1 < tuning.keep_alive_max_count;
    SocketSink sink(fd, std::chrono::seconds(tuning.write_timeout_seconds), file_bytes);
    bool ok = sink.WriteResponse(req.method, res, keep);
    if (logger) logger(req, res);
    return ok && keep;
  }
};

HttpServer::HttpServer() : m_impl(std::make_unique<Impl>()) {}

HttpServer::~HttpServer() {
  Stop();
}

void HttpServer::Tune(const ServerTuning& tuning) {
  m_impl->tuning = tuning;
}
const ServerTuning& HttpServer::tuning() const {
  return m_impl->tuning;
}
void HttpServer::Get(const std::string& pattern, Handler handler) {
  m_impl->Add("GET", pattern, std::move(handler));
}
void HttpServer::Post(const std::string& pattern, Handler handler) {
  m_impl->Add("POST", pattern, std::move(handler));
}
void HttpServer::SetPreRouting(Gate gate) {
  m_impl->gate = std::move(gate);
}
void HttpServer::SetErrorHandler(Handler handler) {
  m_impl->error_handler = std::move(handler);
}
void HttpServer::SetExceptionHandler(ExceptionHandler handler) {
  m_impl->exception_handler = std::move(handler);
}
void HttpServer::SetLogger(Logger logger) {
  m_impl->logger = std::move(logger);
}
void HttpServer::CountFileBytes(Metrics::Counter* counter) {
  m_impl->file_bytes = counter;
}

int HttpServer::Bind(const std::string& host, int port, std::string* why) {
  RaiseOpenFileLimit();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  std::string service = std::to_string(port);
  int resolved =
      ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found);
  if (resolved != 0) {
    if (why) *why = std::string("cannot resolve the address: ") + ::gai_strerror(resolved);
    return -1;
  }
  int fd = -1;
  int err = 0;
  for (addrinfo* a = found; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      err = errno;
      continue;
    }
    int yes = 1;
    // Not SO_REUSEPORT: a second server on a port in use must fail to bind.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      err = errno;
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  if (fd < 0) {
    if (why) *why = std::strerror(err);
    return -1;
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  m_impl->listen_fd = fd;
  m_impl->loop = std::make_unique<ConnectionLoop>(fd, m_impl->tuning, *m_impl);
  return bound.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
                                     : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

void HttpServer::Run() {
  if (m_impl->loop) m_impl->loop->Run();
}

void HttpServer::Stop() {
  if (m_impl->loop) m_impl->loop->Stop();
}

bool HttpServer::IsRunning() const {
  return m_impl->loop && m_impl->loop->running();
}

}  // namespace tollstream
