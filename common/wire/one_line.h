// Words from elsewhere (a source's note) made safe to print and show: one
// line of valid UTF-8, no control characters.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tollstream {

// `text` as valid UTF-8 (invalid bytes become '?'), without C0 and C1
// control characters, DEL, or the line and paragraph separators U+2028 and
// U+2029, cut to at most `max_bytes` bytes on a character boundary.
std::string OneLine(std::string_view text, size_t max_bytes);

}  // namespace tollstream
