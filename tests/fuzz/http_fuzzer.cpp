// libFuzzer target: HTTP/1.1 requests as any client may send them, read by
// the servers' bounded parser. The first byte chooses how the rest is
// split into reads; whatever comes, the parser keeps to its limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  tollstream::RequestLimits limits;
  limits.max_request_line = 256;
  limits.max_header_bytes = 1024;
  limits.max_header_count = 8;
  limits.max_body_bytes = 512;
  tollstream::RequestParser parser(limits);
  while (!rest.empty()) {
    std::string_view part = rest.substr(0, piece);
    size_t used = parser.Feed(part);
    if (used > part.size()) std::abort();
    rest.remove_prefix(used);
    if (parser.done() || parser.failed()) break;
    if (used != part.size()) std::abort();  // took less without finishing
  }
  const tollstream::HttpRequest& r = parser.request();
  if (r.body.size() > limits.max_body_bytes) std::abort();
  if (r.headers.size() > limits.max_header_count) std::abort();
  if (parser.failed() && parser.status() < 400) std::abort();
  return 0;
}
