// Writes an Answer (common/rpc/answer.h) as an HTTP response (common/http/http_message.h).
//
// A payload's bytes go out at once; when the answer has a `complete_when`
// condition, the last byte waits for it (and the connection is dropped if
// it fails), so the answer is never complete before what it depends on
// holds, yet that wait overlaps the transfer.
//
// Connections (ConnectionPolicy): kKeepAlive leaves every connection to
// the server's keep-alive rules. kCloseUnlessPayload leaves the connection
// open after a payload only, since a client that takes payloads one after
// another (a viewer buying segments) asks for the next as soon as it has
// checked this one; every other answer carries `Connection: close`, so
// that the server keeps no socket for a client that will be quiet for a
// while.
#pragma once

#include "common/http/http_message.h"
#include "common/rpc/answer.h"

namespace tollstream {

enum class ConnectionPolicy { kKeepAlive, kCloseUnlessPayload };

// Moves the answer's body into `res` (no copy).
void WriteAnswer(HttpResponse& res, Answer a, ConnectionPolicy policy);

}  // namespace tollstream
