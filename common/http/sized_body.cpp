#include "common/http/sized_body.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <new>
#include <string>

namespace tollstream {

size_t SizedBodyReservation(std::string_view content_length) {
  size_t expected = 0;
  const char* end = content_length.data() + content_length.size();
  auto [stop, ec] = std::from_chars(content_length.data(), end, expected);
  if (content_length.empty() || ec != std::errc() || stop != end) return 0;
  return std::min(expected, kMaxSizedBody);
}

httplib::Result SendSized(httplib::Client& client, httplib::Request req) {
  auto body = std::make_shared<std::string>();
  req.response_handler = [body](const httplib::Response& res) {
    try {
      body->reserve(SizedBodyReservation(res.get_header_value("Content-Length")));
    } catch (const std::bad_alloc&) {
      // Read as it comes, then.
    }
    return true;
  };
  req.content_receiver = [body](const char* data, size_t n, uint64_t, uint64_t) {
    body->append(data, n);
    return true;
  };
  auto result = client.send(req);
  if (result) result->body = std::move(*body);
  return result;
}

}  // namespace tollstream
