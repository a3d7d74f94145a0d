// ASCII text: case folding for names, titles and host names (letters A-Z
// become a-z, every other byte, UTF-8 included, stays as it is), and
// trimming and decimal numbers.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace tollstream {

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Around the words of a text line: spaces, tabs, and a CRLF ending's '\r'.
inline constexpr std::string_view kLineBlanks = " \t\r";

// `text` without the bytes of `blanks` at either end (by default spaces
// and tabs: HTTP's optional white space).
inline std::string_view Trim(std::string_view text, std::string_view blanks = " \t") {
  while (!text.empty() && blanks.find(text.front()) != std::string_view::npos)
    text.remove_prefix(1);
  while (!text.empty() && blanks.find(text.back()) != std::string_view::npos) text.remove_suffix(1);
  return text;
}

// Whether `text` is one decimal number, all of it, that fits `out` (which
// then holds it).
template <typename T>
bool ParseWhole(std::string_view text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace tollstream
