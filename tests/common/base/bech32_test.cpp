// Bech32m against the test vectors of BIP-350 (bitcoin/bips,
// bip-0350.mediawiki, "Test vectors for Bech32m"), and round trips.
#include "common/base/bech32.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

// BIP-350: valid Bech32m strings.
const std::vector<std::string> kValid = {
    "A1LQFN3A",
    "a1lqfn3a",
    "an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6",
    "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx",
    "11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8",
    "split1checkupstagehandshakeupstreamerranterredcaperredlc445v",
    "?1v759aa",
};

// BIP-350: invalid Bech32m strings (a space, DEL and a byte above 127 in the
// prefix, too long, no separator, empty prefixes, characters outside the
// alphabet, a checksum too short, a checksum over the upper-case prefix).
const std::vector<std::string> kInvalid = {
    " 1xj0phk",
    "\x7f"
    "1g6xzxy",
    "\x80"
    "1vctc34",
    "an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
    "qyrz8wqd2c9m",
    "1qyrz8wqd2c9m",
    "y1b0jsk6g",
    "lt1igcx5c0",
    "in1muywd",
    "mm1crxm3i",
    "au1s5cgom",
    "M1VUXWEZ",
    "16plkw9",
    "1p2gdwpf",
};

}  // namespace

TEST_CASE("BIP-350's valid strings decode and encode back (in lower case)") {
  for (const auto& text : kValid) {
    CAPTURE(text);
    auto decoded = Bech32mDecode(text);
    REQUIRE_MESSAGE(decoded.ok(), decoded.error().message);
    CHECK(Bech32mEncode(decoded->hrp, decoded->values) == AsciiLower(text));
  }
}

TEST_CASE("BIP-350's invalid strings are refused") {
  for (const auto& text : kInvalid) {
    CAPTURE(text);
    auto decoded = Bech32mDecode(text);
    CHECK_FALSE(decoded.ok());
    if (!decoded.ok()) CHECK(decoded.error().code == ErrorCode::kInvalidField);
  }
}

TEST_CASE("any one character changed, or two swapped, fails the checksum") {
  std::vector<uint8_t> bytes(32);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + 5);
  std::string text = Bech32mEncode("toll", BytesToGroups(bytes));
  REQUIRE(Bech32mDecode(text).ok());
  for (size_t i = 5; i < text.size(); ++i) {
    for (char c : std::string("qpzry9x8gf2tvdw0s3jn54khce6mua7l")) {
      if (c == text[i]) continue;
      std::string typo = text;
      typo[i] = c;
      CHECK_FALSE(Bech32mDecode(typo).ok());
    }
    if (i + 1 < text.size() && text[i] != text[i + 1]) {
      std::string swapped = text;
      std::swap(swapped[i], swapped[i + 1]);
      CHECK_FALSE(Bech32mDecode(swapped).ok());
    }
  }
  // Another prefix with the same data is another checksum.
  std::string other = "tollpub" + text.substr(4);
  CHECK_FALSE(Bech32mDecode(other).ok());
}

TEST_CASE("bytes to 5-bit groups and back") {
  std::vector<uint8_t> bytes = {0x00, 0xff, 0x10, 0x80, 0x7f};
  auto groups = BytesToGroups(bytes);
  CHECK(groups.size() == 8);
  auto back = GroupsToBytes(groups);
  REQUIRE(back.ok());
  CHECK(*back == bytes);
  std::vector<uint8_t> key(32, 0xab);
  CHECK(BytesToGroups(key).size() == 52);
  CHECK(*GroupsToBytes(BytesToGroups(key)) == key);
  // Padding bits that are not zero, or 5 bits of padding or more, are refused.
  std::vector<uint8_t> bad = BytesToGroups(key);
  bad.back() |= 1;
  CHECK_FALSE(GroupsToBytes(bad).ok());
  std::vector<uint8_t> one = BytesToGroups(std::vector<uint8_t>{0xab});
  REQUIRE(one.size() == 2);
  one.push_back(0);
  CHECK_FALSE(GroupsToBytes(one).ok());
}

}  // namespace tollstream
