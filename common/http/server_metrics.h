// Metrics of an HTTP server: every answered request counted by route and
// status (tollstream_http_requests_total) and timed by route
// (tollstream_http_request_duration_seconds), and the registry served at
// GET /metrics in the Prometheus text format.
#pragma once

#include <functional>
#include <string>

#include "common/http/http_server.h"
#include "common/observe/metrics.h"

namespace tollstream {

// The route label of a request: one of a known set (the served paths), or
// "other", so that clients cannot grow the label set.
using RouteOf = std::function<std::string(const HttpRequest&)>;

// A check every request passes before it is routed: false when it has
// answered the request itself (in the response), which is then not routed.
using Gate = std::function<bool(const HttpRequest&, HttpResponse&)>;

// Installs the server's pre-routing handler (which runs `gate`, when given)
// and logger, replacing any, and the GET /metrics route. Requests the gate
// answers are counted and timed too. `metrics` outlives the server.
void InstrumentServer(HttpServer& server, Metrics& metrics, RouteOf route_of, Gate gate = {});

}  // namespace tollstream
