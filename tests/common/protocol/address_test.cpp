#include "common/protocol/address.h"

#include <doctest/doctest.h>

#include "common/base/hex.h"

namespace tollstream {

TEST_CASE("address is SHA256(SHA224(pk)) of the 32 key bytes") {
  // Key of BIP-340 vector 1. SHA224 and SHA256 values computed independently:
  //   printf '%s' DFF1...A659 | xxd -r -p | openssl dgst -sha224 -binary | openssl dgst -sha256
  auto key =
      PublicKey::FromHex("dff1d77f2a671c5f36183726db2341be58feae1dae2deced843240f7b502ba659");
  CHECK_FALSE(key.has_value());  // 65 digits: refused
  key = PublicKey::FromHex("dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659");
  REQUIRE(key.has_value());
  Hash224 inner = Sha224(key->bytes());
  CHECK(AddressOf(*key) == ToHex(Sha256(inner)));
  CHECK(AddressOf(*key) == "4e9613970115ec1aaffede63398d8a2c8ac33b38710e0db017289c2f54c82381");
  CHECK(IsAddress(AddressOf(*key)));
}

TEST_CASE("special addresses: the examples of api-spec/openapi.yaml, each number its own") {
  // The test keys of api-spec/README.md: tracker, viewer, broadcaster.
  auto tracker =
      *PublicKey::FromHex("dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8");
  auto viewer =
      *PublicKey::FromHex("dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659");
  auto broadcaster =
      *PublicKey::FromHex("25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517");
  CHECK(SpecialAddressOf("spend", tracker, viewer, 0) ==
        "b0a4769617ba9e3657a86e883a51f36c79b0a7f513fae1a9e7f1ca5836c161ee");
  CHECK(SpecialAddressOf("income", tracker, broadcaster, 0) ==
        "9336e98c8e7a6a8556aa180c04c9870a7284bd13b7e8691786bb3373846817c8");
  CHECK(SpecialAddressOf("spend", tracker, viewer, 1) !=
        SpecialAddressOf("spend", tracker, viewer, 0));
  CHECK(SpecialAddressOf("income", tracker, viewer, 0) !=
        SpecialAddressOf("spend", tracker, viewer, 0));
}

TEST_CASE("address form") {
  CHECK(IsAddress(std::string(64, 'a')));
  CHECK_FALSE(IsAddress(std::string(63, 'a')));
  CHECK_FALSE(IsAddress(std::string(64, 'A')));
  CHECK_FALSE(IsAddress(std::string(64, 'g')));
}

}  // namespace tollstream
