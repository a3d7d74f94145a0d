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

TEST_CASE("a receipt under renditions signs its counts; its chain names each rendition") {
  KeyPair viewer = KeyPair::Generate();
  Receipt r;
  r.contract = Sha256(std::string_view("contract"));
  r.viewer = viewer.public_key();
  r.segments = 3;
  r.bytes = 3000;
  r.amount = 10;
  r.counts = {1, 0, 2};
  r.chain = r.contract;
  SignReceipt(r, viewer);
  auto parsed = ParseReceipt(r.ToJson());
  REQUIRE(parsed.ok());
  CHECK(parsed->counts == r.counts);
  CHECK(r.ToJson()["counts"] == json::array({1, 0, 2}));
  json changed = r.ToJson();
  changed["counts"][0] = 2;
  CHECK(ParseReceipt(changed).error().code == ErrorCode::kBadSignature);
  json dropped = r.ToJson();
  dropped.erase("counts");
  CHECK(ParseReceipt(dropped).error().code == ErrorCode::kBadSignature);
  for (json bad : {json::array(), json::array({1, -1}), json(3), json::array({1.5})}) {
    json wrong = r.ToJson();
    wrong["counts"] = bad;
    CAPTURE(bad.dump());
    CHECK(ParseReceipt(wrong).error().code == ErrorCode::kInvalidField);
  }
  // A receipt without renditions says nothing of counts.
  r.counts.clear();
  CHECK_FALSE(r.ToJson().contains("counts"));

  // chain_i = SHA256(chain_{i-1} || SHA256(segment_i) || r_i).
  Hash256 start = r.contract, a = Sha256(std::string_view("a"));
  std::string joined(start.begin(), start.end());
  joined.append(a.begin(), a.end());
  CHECK(ExtendChain(start, a) == Sha256(joined));
  joined.push_back('\x02');
  CHECK(ExtendChain(start, a, 2) == Sha256(joined));
  CHECK(ExtendChain(start, a, 0) != ExtendChain(start, a));
  CHECK(ExtendChain(start, a, 0) != ExtendChain(start, a, 1));
}

}  // namespace tollstream
