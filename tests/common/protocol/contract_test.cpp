#include "common/protocol/contract.h"

#include <doctest/doctest.h>

#include "common/base/amount.h"
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

TEST_CASE("renditions: each with its price, the top one the contract's price, names distinct") {
  Parties p;
  Contract c = p.Make(6, 20);
  c.terms.renditions = {{"1080p", 6}, {"720p", 3}, {"360p", 1}};
  SignAsViewer(c, p.viewer);
  SignAsBroadcaster(c, p.broadcaster);
  auto parsed = ParseContract(c.ToJson(), ContractSigs::kBoth);
  REQUIRE_MESSAGE(parsed.ok(), parsed.error().message);
  CHECK(parsed->terms.renditions == c.terms.renditions);
  CHECK(parsed->terms.Rendition("720p") == 1);
  CHECK_FALSE(parsed->terms.Rendition("480p").has_value());
  CHECK(parsed->terms.Lock() == 120);
  // The renditions are signed: the id differs from the same terms without them.
  Contract plain = p.Make(6, 20);
  CHECK(plain.terms.Id() != c.terms.Id());

  // What segments cost.
  CHECK(*c.terms.Cost(10, {2, 5, 3}) == 2 * 6 + 5 * 3 + 3 * 1);
  CHECK(*c.terms.Cost(0, {}) == 0);
  CHECK(*c.terms.Cost(20, {20, 0, 0}) == c.terms.Lock());
  CHECK(c.terms.Cost(10, {2, 5, 4}).error().message == "receipt.counts must add up to segments");
  CHECK_FALSE(c.terms.Cost(10, {}).ok());
  CHECK_FALSE(c.terms.Cost(10, {5, 5}).ok());
  CHECK_FALSE(c.terms.Cost(21, {21, 0, 0}).ok());
  CHECK(*plain.terms.Cost(10, {}) == 60);
  CHECK_FALSE(plain.terms.Cost(10, {10}).ok());
  // Counts at the edge of the amount range do not wrap around.
  CHECK_FALSE(c.terms.Cost(20, {kMaxAmount, kMaxAmount, 20}).ok());

  auto refused = [&](std::function<void(json&)> change, const std::string& says) {
    json terms = c.terms.ToJson();
    change(terms);
    auto r = ParseTerms(terms);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == ErrorCode::kInvalidField);
    CHECK_MESSAGE(r.error().message.find(says) != std::string::npos, r.error().message);
  };
  refused([](json& t) { t["price"] = 7; },
          "terms.price must be the highest of its renditions' prices, 6");
  refused([](json& t) { t["price"] = 3; }, "highest");
  refused([](json& t) { t["renditions"][2]["name"] = "720p"; },
          "terms.renditions[2].name is listed twice");
  refused([](json& t) { t["renditions"] = json::array(); }, "must hold 1 to 8 elements");
  refused([](json& t) { t["renditions"] = json::object(); }, "must be an array");
  refused([](json& t) { t["renditions"][0]["name"] = "a b"; }, "terms.renditions[0].name");
  refused([](json& t) { t["renditions"][1]["price"] = -1; }, "terms.renditions[1].price");
  refused([](json& t) { t["renditions"][1]["bitrate"] = 1; }, "terms.renditions[1].bitrate");
  refused([](json& t) { t["renditions"][1].erase("price"); },
          "terms.renditions[1].price is missing");
  refused(
      [](json& t) {
        for (int i = 0; i < 9; ++i)
          t["renditions"].push_back({{"name", "r" + std::to_string(i)}, {"price", 1}});
      },
      "must hold 1 to 8 elements");
}

}  // namespace tollstream
