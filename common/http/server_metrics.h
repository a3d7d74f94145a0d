// Metrics of an HTTP server: every answered request counted by route and
// status (tollstream_http_requests_total) and timed by route
// (tollstream_http_request_duration_seconds), and the registry served at
// GET /metrics in the Prometheus text format.
#pragma once

#include <functional>
#include <string>

#include "common/observe/metrics.h"

namespace httplib {
class Server;
struct Request;
}  // namespace httplib

namespace tollstream {

// The route label of a request: one of a known set (the served paths), or
// "other", so that clients cannot grow the label set.
using RouteOf = std::function<std::string(const httplib::Request&)>;

// Installs the server's pre-routing handler and logger (replacing any) and
// the GET /metrics route. `metrics` outlives the server.
void InstrumentServer(httplib::Server& server, Metrics& metrics, RouteOf route_of);

}  // namespace tollstream
