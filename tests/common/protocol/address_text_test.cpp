// The human forms of addresses (toll1…) and public keys (tollpub1…): round
// trips, the forms of api-spec/README.md's test keys, and the mistakes each
// parser refuses by name.
#include "common/protocol/address_text.h"

#include <doctest/doctest.h>

#include "common/protocol/address.h"

namespace tollstream {

TEST_CASE("an address and a key in their human forms, and back") {
  for (int i = 0; i < 20; ++i) {
    PublicKey key = KeyPair::Generate().public_key();
    std::string address = AddressOf(key);
    std::string text = AddressText(address);
    CHECK(text.starts_with("toll1"));
    CHECK(text.size() == 63);
    CHECK(*ParseAddressText(text) == address);
    std::string upper;
    for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(*ParseAddressText(upper) == address);  // one case, either
    std::string key_text = KeyText(key);
    CHECK(key_text.starts_with("tollpub1"));
    CHECK(*ParseKeyText(key_text) == key);
    CHECK(*ParseKeyText(key.ToHex()) == key);  // where a key is wanted, hex is no address
  }
}

TEST_CASE("the forms of the spec's test keys (api-spec/signing.md)") {
  struct Form {
    const char* hex;
    const char* key;
    const char* address;
  };
  for (const Form& f : {Form{"dd308afec5777e13121fa72b9cc1b7cc0139715309b086c960e18fd969774eb8",
                             "tollpub1m5cg4lk9walpxysl5u4eesdhesqnju2npxcgdjtqux8aj6thf6uqpld7gy",
                             "toll16c37d64d0j2flrgcl4pu5v5pksattu55adn8rj7errfrmfy5at8qs8w0u3"},
                        Form{"dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659",
                             "tollpub1mlcawle2vuw97dscxundkg6phev0atsa5t0vakzrys8hk5pt5evsem58jl",
                             "toll1f6tp89cpzhkp4tl7me3nnrv29j9vxwecwy8qmvqh9zwz74xgywqsqqwkwm"},
                        Form{"25d1dff95105f5253c4022f628a996ad3a0d95fbf21d468a1b33f8c160d8f517",
                             "tollpub1yhgal723qh6j20zqytmz32vk45aqm90m7gw5dzsmx0uvzcxc75tsrknd09",
                             "toll1prffzcsvqtuam0mw3y95lzv5lueejz852lhwm3v9mdrrcvwzk94sxl2mlr"}}) {
    PublicKey key = *PublicKey::FromHex(f.hex);
    CHECK(KeyText(key) == f.key);
    CHECK(AddressText(AddressOf(key)) == f.address);
  }
}

TEST_CASE("a key where an address is wanted, hex, or a typo, is refused by name") {
  PublicKey key = KeyPair::Generate().public_key();
  std::string address = AddressText(AddressOf(key));
  auto as_key = ParseAddressText(KeyText(key));
  REQUIRE_FALSE(as_key.ok());
  CHECK(as_key.error().code == ErrorCode::kInvalidField);
  CHECK(as_key.error().message.find("is a public key, not an address") != std::string::npos);
  auto hex = ParseAddressText(AddressOf(key));
  REQUIRE_FALSE(hex.ok());
  CHECK(hex.error().message.find("64 hex digits may be a public key") != std::string::npos);
  std::string typo = address;
  typo[10] = typo[10] == 'q' ? 'p' : 'q';
  auto mistyped = ParseAddressText(typo);
  REQUIRE_FALSE(mistyped.ok());
  CHECK(mistyped.error().message.find("does not match its checksum") != std::string::npos);
  CHECK_FALSE(ParseAddressText(address.substr(0, address.size() - 1)).ok());  // one missing
  CHECK_FALSE(ParseAddressText("toll1").ok());
  CHECK_FALSE(ParseAddressText("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").ok());
  auto as_address = ParseKeyText(address);
  REQUIRE_FALSE(as_address.ok());
  CHECK(as_address.error().message.find("is an address, not a public key") != std::string::npos);
  CHECK_FALSE(ParseKeyText(std::string(64, 'g')).ok());
}

}  // namespace tollstream
