// Client side of a large answer: its body read into one buffer sized from
// its Content-Length at the start, instead of cpp-httplib's own body, which
// grows by copying itself (a 2 MB segment is copied about once more, in
// pieces, before it is whole).
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string_view>

namespace tollstream {

// At most this much is set aside before any of the body has come: a larger
// body grows beyond it as it comes.
constexpr size_t kMaxSizedBody = 64 * 1024 * 1024;

// What is set aside for a body announced with this Content-Length value:
// its size up to kMaxSizedBody, and nothing for a value that is not a
// plain decimal number.
size_t SizedBodyReservation(std::string_view content_length);

// Sends `req` on `client` as Client::send does, with the answer's body in
// the result's `body`. Any handler or receiver already set in `req` is
// replaced. When the memory cannot be set aside, the body grows as it comes.
httplib::Result SendSized(httplib::Client& client, httplib::Request req);

}  // namespace tollstream
