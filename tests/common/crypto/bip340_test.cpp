// The official BIP-340 vectors (tests/vectors/bip340-test-vectors.csv) through
// the project's own key and signature code.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common/base/hex.h"
#include "common/crypto/keys.h"

namespace tollstream {
namespace {

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string cell;
  while (std::getline(ss, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

TEST_CASE("BIP-340 official vectors: sign and verify") {
  std::ifstream in(std::string(TOLLSTREAM_SOURCE_DIR) + "/tests/vectors/bip340-test-vectors.csv");
  REQUIRE(in.good());
  std::string line;
  std::getline(in, line);  // header
  int vectors = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    auto cells = SplitCsv(line);
    REQUIRE(cells.size() >= 7);
    CAPTURE(cells[0]);
    std::string secret = Lower(cells[1]), pub = Lower(cells[2]), aux = Lower(cells[3]);
    std::string msg = Lower(cells[4]), sig_hex = Lower(cells[5]);
    bool expected = cells[6] == "TRUE";
    auto message = FromHex(msg);
    auto sig = FromHexFixed<64>(sig_hex);
    REQUIRE(message.has_value());
    REQUIRE(sig.has_value());

    if (!secret.empty()) {
      auto pair = KeyPair::FromSecret(*FromHexFixed<32>(secret));
      REQUIRE(pair.has_value());
      CHECK(pair->public_key().ToHex() == pub);
      REQUIRE(message->size() == 32);
      Hash256 digest;
      std::copy(message->begin(), message->end(), digest.begin());
      CHECK(ToHex(pair->SignWithAux(digest, *FromHexFixed<32>(aux))) == sig_hex);
    }
    auto key = PublicKey::FromHex(pub);
    bool verified = key.has_value() && key->VerifyMessage(*message, *sig);
    CHECK(verified == expected);
    ++vectors;
  }
  CHECK(vectors >= 15);
}

TEST_CASE("fresh keys sign, and verify only their own digest") {
  KeyPair a = KeyPair::Generate();
  KeyPair b = KeyPair::Generate();
  CHECK(a.public_key() != b.public_key());
  Hash256 digest = Sha256(std::string_view("message"));
  Signature sig = a.Sign(digest);
  CHECK(a.public_key().Verify(digest, sig));
  CHECK_FALSE(b.public_key().Verify(digest, sig));
  Hash256 other = Sha256(std::string_view("messagf"));
  CHECK_FALSE(a.public_key().Verify(other, sig));
  sig[10] ^= 1;
  CHECK_FALSE(a.public_key().Verify(digest, sig));
  CHECK_FALSE(PublicKey().Verify(digest, a.Sign(digest)));  // an empty key verifies nothing
}

TEST_CASE("a key pair round-trips through its secret") {
  KeyPair a = KeyPair::Generate();
  auto again = KeyPair::FromSecret(a.secret());
  REQUIRE(again.has_value());
  CHECK(again->public_key() == a.public_key());
  SecretBytes zero{};
  CHECK_FALSE(KeyPair::FromSecret(zero).has_value());
  SecretBytes order_plus{};  // above the group order
  order_plus.fill(0xff);
  CHECK_FALSE(KeyPair::FromSecret(order_plus).has_value());
}

TEST_CASE("six-digit codes are stable and differ between keys") {
  KeyPair a = KeyPair::Generate();
  std::string code = KeyCode(a.public_key());
  CHECK(code.size() == 6);
  CHECK(code.find_first_not_of("0123456789") == std::string::npos);
  CHECK(KeyCode(a.public_key()) == code);
  int same = 0;
  for (int i = 0; i < 50; ++i) same += KeyCode(KeyPair::Generate().public_key()) == code;
  CHECK(same <= 1);
}

TEST_CASE("parsed keys are cached without mixing keys up") {
  KeyPair key = KeyPair::Generate();
  Hash256 digest = Sha256("cached");
  Signature sig = key.Sign(digest);
  auto first = PublicKey::FromBytes(key.public_key().bytes());
  auto again = PublicKey::FromBytes(key.public_key().bytes());  // from the cache
  REQUIRE(first);
  REQUIRE(again);
  CHECK(again->Verify(digest, sig));
  CHECK(*again == key.public_key());

  // Keys that share the cache slot (same last bytes): an invalid x after a
  // valid one is still refused, and another valid key verifies only its own.
  std::array<uint8_t, 32> bytes = key.public_key().bytes();
  int invalid = 0, valid_other = 0;
  for (int i = 1; i < 64 && (invalid == 0 || valid_other == 0); ++i) {
    std::array<uint8_t, 32> other = bytes;
    other[0] = static_cast<uint8_t>(other[0] ^ i);
    REQUIRE(PublicKey::FromBytes(bytes));  // the slot now holds the valid key
    auto parsed = PublicKey::FromBytes(other);
    if (!parsed) {
      ++invalid;
      continue;
    }
    ++valid_other;
    CHECK(parsed->bytes() == other);
    CHECK_FALSE(parsed->Verify(digest, sig));
    REQUIRE(PublicKey::FromBytes(bytes));
    CHECK(PublicKey::FromBytes(bytes)->Verify(digest, sig));
  }
  CHECK(invalid > 0);
  CHECK(valid_other > 0);
}

}  // namespace tollstream
