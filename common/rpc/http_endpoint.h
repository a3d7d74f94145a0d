// Serves a SignedService over HTTP/1.1 (common/http/http_server.h): each of its methods
// at POST /v1/<method>, the request body handed over as it came, and the
// answer written as the service made it (common/rpc/http_answer.h).
//
// Failures found by the HTTP layer itself get a signed JSON error, like
// every other answer (`method` "" and `request` null): 413 body_too_large
// for a body over the limit, 404 not_found for a path no route serves,
// 431 header_too_large for a request line or header block over its limit,
// internal for 500 and above, invalid_field for any other status (400 for
// a malformed request; the server's reason is the message); an
// exception that escapes a handler is logged and answered 500 internal
// ("internal error"). An answer a route already wrote is left alone.
#pragma once

#include "common/http/http_server.h"
#include "common/rpc/http_answer.h"
#include "common/rpc/signed_service.h"

namespace tollstream {

struct EndpointOptions {
  ServerTuning tuning;
  ConnectionPolicy connections = ConnectionPolicy::kKeepAlive;
  // Which unserved paths get the signed 404: every path (a server of the
  // signed methods alone), or only those under /v1/ (a server that also
  // serves pages: any other path gets an empty 404).
  enum class NotFound { kEveryPath, kApiPaths } not_found = NotFound::kEveryPath;
  // How an HTTP-layer failure's message reads:
  //   kPlain: "the body is over N bytes", "no route POST /v1/x", "HTTP 400"
  //   kRoute: "HTTP 413 for POST /v1/x", for every status
  enum class Wording { kPlain, kRoute } wording = Wording::kPlain;
};

// Tunes `server`, mounts every method of `service` and installs the error
// and exception handlers (replacing any). `service` outlives the server.
// Call before the server serves; routes added later are served beside.
void ServeSigned(HttpServer& server, const SignedService& service, const EndpointOptions& options);

}  // namespace tollstream
