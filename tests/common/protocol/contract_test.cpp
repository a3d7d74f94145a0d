#include "common/protocol/contract.h"

#include <doctest/doctest.h>

#include "common/base/hex.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

struct Parties {
  KeyPair tracker = KeyPair::Generate();
  KeyPair viewer = KeyPair::Generate();
  KeyPair broadcaster = KeyPair::Generate();

  Contract Make(uint64_t price = 10, uint64_t max_segments = 20) const {
    Contract c;
    c.terms.tracker = tracker.public_key();
    c.terms.viewer = viewer.public_key();
    c.terms.broadcaster = broadcaster.public_key();
    c.terms.spend_address = std::string(64, 'a');
    c.terms.income_address = std::string(64, 'b');
    c.terms.stream = "news";
    c.terms.price = price;
    c.terms.max_segments = max_segments;
    c.terms.expires = 1795400000;
    c.terms.nonce = std::string(32, 'c');
    return c;
  }
};

}  // namespace

TEST_CASE("a contract signed by both parties parses with both signatures checked") {
  Parties p;
  Contract c = p.Make();
  SignAsViewer(c, p.viewer);
  SignAsBroadcaster(c, p.broadcaster);
  auto parsed = ParseContract(c.ToJson(), ContractSigs::kBoth);
  REQUIRE(parsed.ok());
  CHECK(parsed->id == c.terms.Id());
  CHECK(parsed->terms.Lock() == 200);
  CHECK(ToHex(parsed->id) ==
        ToHex(SigningDigest(SignedKind::kContract, Canonical(c.terms.ToJson()))));
}

TEST_CASE("contract signatures: missing, swapped, or over other terms") {
  Parties p;
  Contract c = p.Make();
  SignAsViewer(c, p.viewer);
  CHECK(ParseContract(c.ToJson(), ContractSigs::kViewer).ok());
  auto missing = ParseContract(c.ToJson(), ContractSigs::kBoth);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == ErrorCode::kInvalidField);

  SignAsBroadcaster(c, p.broadcaster);
  json swapped = c.ToJson();
  std::swap(swapped["viewer_sig"], swapped["broadcaster_sig"]);
  CHECK(ParseContract(swapped, ContractSigs::kBoth).error().code == ErrorCode::kBadSignature);

  json raised = c.ToJson();
  raised["terms"]["price"] = 11;  // terms changed after signing
  CHECK(ParseContract(raised, ContractSigs::kBoth).error().code == ErrorCode::kBadSignature);

  Contract by_other = p.Make();
  SignAsViewer(by_other, p.viewer);
  by_other.broadcaster_sig = KeyPair::Generate().Sign(by_other.id);
  CHECK(ParseContract(by_other.ToJson(), ContractSigs::kBoth).error().code ==
        ErrorCode::kBadSignature);
}

TEST_CASE("contract terms are range-checked; the lock never overflows") {
  Parties p;
  auto check = [&](uint64_t price, uint64_t max_segments) {
    Contract c = p.Make(price, max_segments);
    SignAsViewer(c, p.viewer);
    return ParseContract(c.ToJson(), ContractSigs::kViewer);
  };
  CHECK(check(0, 1).ok());
  CHECK(check(1, uint64_t{1} << 52).ok());
  CHECK(check(uint64_t{1} << 26, uint64_t{1} << 27).error().code == ErrorCode::kInvalidField);
  CHECK(check(1, 0).error().code == ErrorCode::kInvalidField);

  Contract c = p.Make();
  SignAsViewer(c, p.viewer);
  json extra = c.ToJson();
  extra["terms"]["bonus"] = 1;
  CHECK(ParseContract(extra, ContractSigs::kViewer).error().code == ErrorCode::kInvalidField);
  json bad_stream = c.ToJson();
  bad_stream["terms"]["stream"] = "no spaces";
  CHECK(ParseContract(bad_stream, ContractSigs::kViewer).error().code == ErrorCode::kInvalidField);
}

}  // namespace tollstream
