#include "common/protocol/receipt.h"

#include <doctest/doctest.h>

#include "common/base/hex.h"

namespace tollstream {

TEST_CASE("a signed receipt parses; any change breaks it") {
  KeyPair viewer = KeyPair::Generate();
  Receipt r;
  r.contract = Sha256(std::string_view("contract"));
  r.viewer = viewer.public_key();
  r.segments = 3;
  r.bytes = 3000;
  r.amount = 30;
  r.chain = r.contract;
  for (int i = 0; i < 3; ++i)
    r.chain = ExtendChain(r.chain, Sha256(std::string(1000, char('a' + i))));
  SignReceipt(r, viewer);
  auto parsed = ParseReceipt(r.ToJson());
  REQUIRE(parsed.ok());
  CHECK(parsed->segments == 3);
  CHECK(parsed->chain == r.chain);

  for (const char* field : {"segments", "bytes", "amount"}) {
    CAPTURE(field);
    json changed = r.ToJson();
    changed[field] = changed[field].get<uint64_t>() + 1;
    CHECK(ParseReceipt(changed).error().code == ErrorCode::kBadSignature);
  }
  json other_signer = r.ToJson();
  other_signer["viewer"] = KeyPair::Generate().public_key().ToHex();
  CHECK(ParseReceipt(other_signer).error().code == ErrorCode::kBadSignature);
  json missing = r.ToJson();
  missing.erase("chain");
  CHECK(ParseReceipt(missing).error().code == ErrorCode::kInvalidField);
}

TEST_CASE("the hash chain commits to every segment and their order") {
  Hash256 start = Sha256(std::string_view("id"));
  Hash256 a = Sha256(std::string_view("a")), b = Sha256(std::string_view("b"));
  CHECK(ExtendChain(ExtendChain(start, a), b) != ExtendChain(ExtendChain(start, b), a));
  CHECK(ExtendChain(start, a) != ExtendChain(start, b));
  CHECK(ExtendChain(ExtendChain(start, a), b) == ExtendChain(ExtendChain(start, a), b));
}

}  // namespace tollstream
