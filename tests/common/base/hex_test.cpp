#include "common/base/hex.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("hex round-trips bytes in lowercase") {
  std::vector<uint8_t> bytes = {0x00, 0x01, 0xab, 0xff};
  CHECK(ToHex(bytes) == "0001abff");
  CHECK(FromHex("0001abff") == bytes);
  CHECK(FromHex("")->empty());
}

TEST_CASE("hex refuses every other spelling") {
  for (const char* bad : {"0", "abc", "0G", "AB", "Ab", " 0a", "0a ", "0x0a", "zz"}) {
    CAPTURE(bad);
    CHECK_FALSE(FromHex(bad).has_value());
  }
}

TEST_CASE("fixed-length hex checks the length") {
  CHECK(FromHexFixed<2>("abcd").has_value());
  CHECK_FALSE(FromHexFixed<2>("abc").has_value());
  CHECK_FALSE(FromHexFixed<2>("abcdef").has_value());
  CHECK(IsLowerHex("00ff", 4));
  CHECK_FALSE(IsLowerHex("00FF", 4));
  CHECK_FALSE(IsLowerHex("00ff", 6));
}

}  // namespace tollstream
