#include "common/wire/one_line.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("printable text passes as it is") {
  CHECK(OneLine("waiting for the streamer", 200) == "waiting for the streamer");
  CHECK(OneLine("en attente de l'émetteur — 配信者", 200) == "en attente de l'émetteur — 配信者");
  CHECK(OneLine("", 200).empty());
}

TEST_CASE("control characters and line breaks are dropped") {
  CHECK(OneLine("a\nb\r\tc\x1b[31md\x7f", 200) == "abc[31md");
  CHECK(OneLine("a\xc2\x9b"
                "31mb",
                200) == "a31mb");  // C1 CSI
  CHECK(OneLine("a\xe2\x80\xa8"
                "b\xe2\x80\xa9"
                "c",
                200) == "abc");  // U+2028, U+2029
}

TEST_CASE("invalid UTF-8 becomes '?'") {
  CHECK(OneLine("a\xff"
                "b",
                200) == "a?b");
  CHECK(OneLine("a\xc0\xaf"
                "b",
                200) == "a??b");  // overlong '/'
  CHECK(OneLine("a\xed\xa0\x80"
                "b",
                200) == "a???b");             // a surrogate
  CHECK(OneLine("a\xe2\x82", 200) == "a??");  // cut short
}

TEST_CASE("cut on a character boundary, never inside one") {
  std::string text = "ab" + std::string("é") + "c";  // é is 2 bytes
  CHECK(OneLine(text, 3) == "ab");
  CHECK(OneLine(text, 4) == "abé");
  std::string long_text(150, 'x');
  for (int i = 0; i < 40; ++i) long_text += "配";  // 3 bytes each
  std::string cut = OneLine(long_text, 200);
  CHECK(cut.size() <= 200);
  CHECK(cut.size() == 150 + 3 * 16);
  CHECK(OneLine(cut, 200) == cut);  // still valid, whole characters
}

}  // namespace tollstream
