// --origin as a viewer may type it: a whole key, a 6-digit code, or the
// first hex digits of a key, matched against the live origins of the name.
#include "peer/watch/origin_choice.h"

#include <doctest/doctest.h>

#include <map>
#include <optional>

namespace tollstream::test {

TEST_CASE("an origin is chosen by its key, its code or its key's first digits, once") {
  PublicKey a = KeyPair::Generate().public_key();
  PublicKey b = KeyPair::Generate().public_key();
  PublicKey elsewhere = KeyPair::Generate().public_key();
  std::vector<StreamEntry> live = {{"news", a, "", "", 1, 1, 0},
                                   {"news", b, "", "", 1, 1, 0},
                                   {"sport", elsewhere, "", "", 1, 1, 0}};
  CHECK(*ChooseOrigin(a.ToHex(), "news", {}) == a);  // a whole key needs no directory
  CHECK(IsWholeKey(a.ToHex()));
  CHECK_FALSE(IsWholeKey(KeyCode(a)));
  CHECK(*ChooseOrigin(KeyCode(a), "news", live) == a);
  CHECK(*ChooseOrigin(b.ToHex().substr(0, 10), "news", live) == b);
  std::string upper = b.ToHex().substr(0, 12);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(*ChooseOrigin(upper, "news", live) == b);

  auto other_stream = ChooseOrigin(KeyCode(elsewhere), "news", live);
  REQUIRE_FALSE(other_stream.ok());
  CHECK(other_stream.error().code == ErrorCode::kNotFound);
  CHECK(other_stream.error().message.find(" code " + KeyCode(a)) != std::string::npos);

  for (const char* bad : {"12345", "xyz123", "",
                          "0123456789abcdef0123456789abcdef0"
                          "123456789abcdef0123456789abcdef0"}) {
    CAPTURE(bad);
    auto refused = ChooseOrigin(bad, "news", live);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
  }
  // Two origins with one code (found among a few thousand keys): asked for more.
  std::map<std::string, PublicKey> by_code;
  std::optional<std::pair<PublicKey, PublicKey>> same_code;
  for (int i = 0; i < 20000 && !same_code; ++i) {
    PublicKey k = KeyPair::Generate().public_key();
    auto [it, added] = by_code.emplace(KeyCode(k), k);
    if (!added) same_code.emplace(it->second, k);
  }
  REQUIRE(same_code.has_value());
  auto both = ChooseOrigin(
      KeyCode(same_code->first), "news",
      {{"news", same_code->first, "", "", 1, 1, 0}, {"news", same_code->second, "", "", 1, 1, 0}});
  REQUIRE_FALSE(both.ok());
  CHECK(both.error().code == ErrorCode::kConflict);
  CHECK(both.error().message.find(same_code->second.ToHex()) != std::string::npos);
}

}  // namespace tollstream::test
