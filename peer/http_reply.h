// Writes a PeerAnswer as a cpp-httplib response.
//
// A delivered segment's bytes go out at once; when the answer has a
// `complete_when` condition, the last byte waits for it (and the connection
// is dropped if it fails), so the answer is never complete before what it
// depends on holds, yet that wait overlaps the transfer.
//
// Connections: an answer that delivers a segment leaves the connection open,
// since a buying viewer asks for the next segment as soon as it has checked
// this one; every other answer carries `Connection: close`, which clients
// obey by closing, so that no worker thread waits on a viewer that will be
// quiet for a while. (cpp-httplib itself keeps waiting for a next request
// until its keep-alive timeout: a client that ignores the header holds a
// worker that long.)
#pragma once

#include "peer/peer_answer.h"

namespace httplib {
struct Response;
}

namespace tollstream {

void WriteAnswer(httplib::Response& res, const PeerAnswer& a);

}  // namespace tollstream
