#include "common/rpc/http_endpoint.h"

#include "common/http/http_server.h"
#include "common/observe/log.h"

namespace tollstream {
namespace {

// The error for a failure the HTTP layer found: its status in `res`.
Error HttpLayerError(const HttpRequest& req, const HttpResponse& res,
                     const EndpointOptions& options) {
  ErrorCode code = res.status == 413   ? ErrorCode::kBodyTooLarge
                   : res.status == 431 ? ErrorCode::kHeaderTooLarge
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
  if (!res.refusal.empty()) return MakeError(code, res.refusal);
  return MakeError(code, "HTTP " + std::to_string(res.status));
}

}  // namespace

void ServeSigned(HttpServer& server, const SignedService& service, const EndpointOptions& options) {
  server.Tune(options.tuning);
  ConnectionPolicy policy = options.connections;
  service.ForEachMethod([&](const std::string& name) {
    server.Post("/v1/" + name,
                [&service, policy, method = name](const HttpRequest& req, HttpResponse& res) {
                  WriteAnswer(res, service.Handle(method, req.body), policy);
                });
  });
  server.SetErrorHandler([&service, options](const HttpRequest& req, HttpResponse& res) {
    if (!res.body.empty() || res.HasHeader("Content-Length")) return;
    bool api = req.path.starts_with("/v1/");
    if (res.status == 404 && !api && options.not_found == EndpointOptions::NotFound::kApiPaths) {
      return;  // a page's path: an empty 404
    }
    WriteAnswer(res, service.ErrorAnswer("", HttpLayerError(req, res, options)),
                options.connections);
  });
  server.SetExceptionHandler(
      [&service, policy](const HttpRequest&, HttpResponse& res, std::exception_ptr ep) {
        LogError("request failed: " + ExceptionMessage(ep));
        WriteAnswer(res, service.ErrorAnswer("", MakeError(ErrorCode::kInternal, "internal error")),
                    policy);
      });
}

}  // namespace tollstream
