#include "common/http_sized_body.h"

#include <algorithm>
#include <charconv>
#include <memory>
#include <string>

namespace tollstream {

httplib::Result SendSized(httplib::Client& client, httplib::Request req) {
  auto body = std::make_shared<std::string>();
  req.response_handler = [body](const httplib::Response& res) {
    const std::string length = res.get_header_value("Content-Length");
    size_t expected = 0;
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), expected);
    if (ec == std::errc() && end == length.data() + length.size()) body->reserve(std::min(expected, kMaxSizedBody));
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
