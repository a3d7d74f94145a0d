// Writes an Answer (common/rpc/answer.h) as a cpp-httplib response.
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
// checked this one; every other answer carries `Connection: close`, which
// clients obey by closing, so that no worker thread waits on a client that
// will be quiet for a while. (cpp-httplib itself keeps waiting for a next
// request until its keep-alive timeout: a client that ignores the header
// holds a worker that long.)
#pragma once

#include "common/rpc/answer.h"

namespace httplib {
struct Response;
}

namespace tollstream {

enum class ConnectionPolicy { kKeepAlive, kCloseUnlessPayload };

// Moves the answer's body into `res` (no copy).
void WriteAnswer(httplib::Response& res, Answer a, ConnectionPolicy policy);

}  // namespace tollstream
