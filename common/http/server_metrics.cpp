#include "common/http/server_metrics.h"

#include <chrono>
#include <optional>

#include "common/http/http_server.h"
#include "common/observe/log.h"

namespace tollstream {
namespace {

using Clock = std::chrono::steady_clock;

// A request is routed, answered and logged on one worker thread.
thread_local std::optional<Clock::time_point> t_started;

}  // namespace

void InstrumentServer(HttpServer& server, Metrics& metrics, RouteOf route_of, Gate gate) {
  metrics.DeclareCounter("tollstream_http_requests_total",
                         "HTTP requests answered, by route and status.", {"route", "status"});
  metrics.DeclareHistogram("tollstream_http_request_duration_seconds",
                           "Time from routing a request to the end of its answer, by route.",
                           {"route"}, Metrics::LatencyBuckets());
  server.SetPreRouting([gate](const HttpRequest& req, HttpResponse& res) {
    t_started = Clock::now();
    if (gate && !gate(req, res)) return HttpServer::Routed::kHandled;
    return HttpServer::Routed::kUnhandled;
  });
  server.SetLogger([&metrics, route_of](const HttpRequest& req, const HttpResponse& res) {
    std::string route = route_of(req);
    metrics.counter("tollstream_http_requests_total", {route, std::to_string(res.status)}).Add();
    // Requests refused before routing (malformed, too large) are counted, not timed.
    double seconds = 0;
    if (t_started) {
      std::chrono::duration<double> took = Clock::now() - *t_started;
      seconds = took.count();
      metrics.histogram("tollstream_http_request_duration_seconds", {route}).Observe(seconds);
      t_started.reset();
    }
    LogRequest(req.method, route, res.status, seconds, req.client_addr, req.scheme);
  });
  server.Get("/metrics", [&metrics](const HttpRequest&, HttpResponse& res) {
    res.SetHeader("Cache-Control", "no-store");
    res.SetContent(metrics.Render(), "text/plain; version=0.0.4; charset=utf-8");
  });
}

}  // namespace tollstream
