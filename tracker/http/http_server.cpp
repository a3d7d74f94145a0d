#include "tracker/http/http_server.h"

#include <httplib.h>

#include "common/http/bind.h"
#include "common/observe/log.h"

namespace tollstream {

struct HttpServer::Impl {
  TrackerService& service;
  HttpOptions options;
  httplib::Server server;

  Impl(TrackerService& s, HttpOptions o) : service(s), options(o) {}

  void Reply(httplib::Response& res, const Answer& answer) {
    res.status = answer.status;
    res.set_content(answer.body, "application/json");
  }

  void Configure() {
    size_t threads = options.threads;
    server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    server.set_tcp_nodelay(true);
    server.set_payload_max_length(options.max_body_bytes);
    server.set_read_timeout(options.read_timeout_seconds, 0);
    server.set_write_timeout(options.write_timeout_seconds, 0);
    server.set_keep_alive_timeout(options.keep_alive_timeout_seconds);

    for (const auto& [name, entry] : service.methods()) {
      std::string method = name;
      server.Post("/v1/" + method,
                  [this, method](const httplib::Request& req, httplib::Response& res) {
                    Reply(res, service.Handle(method, req.body));
                  });
    }
    // Failures found by the HTTP layer itself (no route, body too large) get
    // a signed JSON error like every other answer.
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      ErrorCode code = ErrorCode::kNotFound;
      std::string message = "no route " + req.method + " " + req.path;
      if (res.status == 413) {
        code = ErrorCode::kBodyTooLarge;
        message = "the body is over " + std::to_string(options.max_body_bytes) + " bytes";
      } else if (res.status != 404) {
        code = res.status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidField;
        message = "HTTP " + std::to_string(res.status);
      }
      Reply(res, service.ErrorAnswer("", MakeError(code, message)));
    });
    server.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          LogError("request failed: " + ExceptionMessage(ep));
          Reply(res, service.ErrorAnswer("", MakeError(ErrorCode::kInternal, "internal error")));
        });
  }
};

HttpServer::HttpServer(TrackerService& service, HttpOptions options)
    : m_impl(std::make_unique<Impl>(service, options)) {
  m_impl->Configure();
}

HttpServer::~HttpServer() = default;

Result<int> HttpServer::Bind(const std::string& host, int port) {
  int bound = BindServer(m_impl->server, host, port);
  if (bound < 0) {
    return MakeError(ErrorCode::kUnavailable,
                     "cannot listen on " + host + ":" + std::to_string(port));
  }
  return bound;
}

void HttpServer::Serve() {
  m_impl->server.listen_after_bind();
}

void HttpServer::Stop() {
  m_impl->server.stop();
}

httplib::Server& HttpServer::http() {
  return m_impl->server;
}

}  // namespace tollstream
