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

TEST_CASE("address form") {
  CHECK(IsAddress(std::string(64, 'a')));
  CHECK_FALSE(IsAddress(std::string(63, 'a')));
  CHECK_FALSE(IsAddress(std::string(64, 'A')));
  CHECK_FALSE(IsAddress(std::string(64, 'g')));
}

}  // namespace tollstream
