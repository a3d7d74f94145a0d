#include "common/rpc/http_endpoint.h"

#include <httplib.h>

#include "common/observe/log.h"

namespace tollstream {
namespace {

// The error for a failure the HTTP layer found: its status in `res`.
Error HttpLayerError(const httplib::Request& req, const httplib::Response& res,
                     const EndpointOptions& options) {
  ErrorCode code = res.status == 413   ? ErrorCode::kBodyTooLarge
                   : res.status == 404 ? ErrorCode::kNotFound
                   : res.status >= 500 ? ErrorCode::kInternal
                                       : ErrorCode::kInvalidField;
  std::string route = req.method + " " + req.path;
  if (options.wording == EndpointOptions::Wording::kRoute) {
    return MakeError(code, "HTTP " + std::to_string(res.status) + " for " + route);
  }
  if (code == ErrorCode::kBodyTooLarge) {
    return MakeError(
        code, "the body is over " + std::to_string(options.tuning.max_body_bytes) + " bytes");
  }
  if (code == ErrorCode::kNotFound) return MakeError(code, "no route " + route);
  return MakeError(code, "HTTP " + std::to_string(res.status));
}

}  // namespace

void ServeSigned(httplib::Server& server, const SignedService& service,
                 const EndpointOptions& options) {
  Tune(server, options.tuning);
  ConnectionPolicy policy = options.connections;
  service.ForEachMethod([&](const std::string& name) {
    server.Post("/v1/" + name, [&service, policy, method = name](const httplib::Request& req,
                                                                 httplib::Response& res) {
      WriteAnswer(res, service.Handle(method, req.body), policy);
    });
  });
  server.set_error_handler([&service, options](const httplib::Request& req,
                                               httplib::Response& res) {
    if (!res.body.empty() || res.has_header("Content-Length")) return;
    bool api = req.path.starts_with("/v1/");
    if (res.status == 404 && !api && options.not_found == EndpointOptions::NotFound::kApiPaths) {
      return;  // a page's path: an empty 404
    }
    WriteAnswer(res, service.ErrorAnswer("", HttpLayerError(req, res, options)),
                options.connections);
  });
  server.set_exception_handler(
      [&service, policy](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        LogError("request failed: " + ExceptionMessage(ep));
        WriteAnswer(res, service.ErrorAnswer("", MakeError(ErrorCode::kInternal, "internal error")),
                    policy);
      });
}

}  // namespace tollstream
