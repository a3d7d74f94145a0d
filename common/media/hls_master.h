// The variants an HLS master playlist lists (RFC 8216, 4.3.4.2): each
// #EXT-X-STREAM-INF line and the URI of its media playlist on the next
// line. Read from the attributes: BANDWIDTH (required), RESOLUTION, and
// NAME (not a standard attribute: a name some encoders give). Other tags
// and attributes are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

struct HlsVariant {
  uint64_t bandwidth = 0;  // peak bits per second
  int width = 0;           // 0 when RESOLUTION is not given
  int height = 0;
  std::string name;  // NAME="…", or ""
  std::string uri;   // relative to the master playlist's location
};

// Whether `text` is a master playlist (it lists a variant).
bool IsHlsMaster(std::string_view text);

// Errors: kInvalidField with the line number: no #EXTM3U, a bad BANDWIDTH
// or RESOLUTION, a variant without its URI, or none at all.
Result<std::vector<HlsVariant>> ParseHlsMaster(std::string_view text);

}  // namespace tollstream
