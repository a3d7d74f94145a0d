// Client side of a large answer: its body read into one buffer sized from
// its Content-Length at the start, instead of cpp-httplib's own body, which
// grows by copying itself (a 2 MB segment is copied about once more, in
// pieces, before it is whole).
#pragma once

#include <httplib.h>

#include <cstddef>

namespace tollstream {

// At most this much is set aside before any of the body has come: a
// Content-Length beyond it is read as usual, growing as it comes.
constexpr size_t kMaxSizedBody = 64 * 1024 * 1024;

// Sends `req` on `client` as Client::send does, with the answer's body in
// the result's `body`. Any handler or receiver already set in `req` is
// replaced.
httplib::Result SendSized(httplib::Client& client, httplib::Request req);

}  // namespace tollstream
