#include "common/base/one_line.h"

#include <cstdint>

namespace tollstream {
namespace {

struct Sequence {
  size_t length = 0;     // of the valid UTF-8 sequence at the place; 0: not valid
  bool control = false;  // it encodes a control character or a line break
};

Sequence SequenceAt(std::string_view text, size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > text.size()) return {};
  uint32_t cp = len == 1 ? c : c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    auto next = static_cast<unsigned char>(text[i + k]);
    if ((next >> 6) != 0x2) return {};
    cp = cp << 6 | (next & 0x3f);
  }
  bool overlong = (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
  if (len > 1 && (overlong || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)) return {};
  return {len, cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029};
}

}  // namespace

std::string OneLine(std::string_view text, size_t max_bytes) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    Sequence seq = SequenceAt(text, i);
    std::string_view piece = seq.length == 0 ? "?" : seq.control ? "" : text.substr(i, seq.length);
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
    i += seq.length == 0 ? 1 : seq.length;
  }
  return out;
}

}  // namespace tollstream
