#include "common/wire/one_line.h"

#include "common/wire/json.h"

namespace tollstream {

std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string valid = ValidUtf8(text);
  std::string out;
  for (size_t i = 0; i < valid.size();) {
    auto lead = static_cast<unsigned char>(valid[i]);
    size_t length = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
    std::string_view character(valid.data() + i, length);
    i += length;
    // C0, DEL, C1 (U+0080-U+009F, encoded C2 80-9F), U+2028 and U+2029.
    bool control = lead < 0x20 || lead == 0x7f ||
                   (lead == 0xc2 && static_cast<unsigned char>(character[1]) < 0xa0) ||
                   character == "\xe2\x80\xa8" || character == "\xe2\x80\xa9";
    if (control) continue;
    if (out.size() + length > max_bytes) break;
    out += character;
  }
  return out;
}

}  // namespace tollstream
