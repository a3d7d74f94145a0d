// A broadcaster or viewer cheating at the tracker: each attempt is refused
// and the ledger does not move.
#include <doctest/doctest.h>

#include "common/base/clock.h"
#include "common/wire/signing.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

TEST_CASE("cheating at the tracker is refused and moves nothing") {
  TrackerFixture t;
  Party b, c, other_b, other_c;
  for (Party* p : {&b, &c, &other_b, &other_c}) p->client = t.NewClient(p->key);
  t.Mint(c.address(), 1000);
  t.Mint(other_c.address(), 1000);
  PublicKey tk = *c.client->tracker();
  std::string income = (*b.client->Call("getIncomeAddress", json::object()))["address"];
  std::string other_income = (*other_b.client->Call("getIncomeAddress", json::object()))["address"];
  std::string spend = (*c.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
  std::string other_spend =
      (*other_c.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
  Contract k = SignedContract(c, b, tk, spend, income, 10, 20, UnixNow() + 600);
  REQUIRE(b.client->Call("openContract", {{"contract", k.ToJson()}}).ok());
  Contract theirs =
      SignedContract(other_c, other_b, tk, other_spend, other_income, 10, 20, UnixNow() + 600);
  REQUIRE(other_b.client->Call("openContract", {{"contract", theirs.ToJson()}}).ok());
  auto snapshot = [&] {
    json s = {{"summary", *c.client->Call("summary", json::object())}};
    for (const auto& a : {income, spend, other_income, other_spend})
      s[a] = *c.client->Call("account", {{"address", a}});
    s["k"] = *c.client->Call("contract", {{"id", ToHex(k.id)}});
    return s;
  };
  json before = snapshot();

  Receipt honest = SignedReceipt(c, k, 4, 4000);
  Receipt invented = honest;  // the broadcaster signs a "receipt" itself
  invented.viewer = b.key.public_key();
  invented.segments = 20;
  invented.amount = 200;
  SignReceipt(invented, b.key);
  Receipt raised = honest;  // the amount raised after the viewer signed
  raised.amount = 50;
  Receipt over = SignedReceipt(c, k, 21, 1);  // more segments than the contract allows
  Receipt above_lock = SignedReceipt(c, k, 4, 4000);
  above_lock.amount = 201;  // above price x max_segments, signed by the viewer
  SignReceipt(above_lock, c.key);
  Receipt other_contract = SignedReceipt(c, theirs, 4, 4000);
  Contract not_theirs = SignedContract(c, b, tk, other_spend, income, 1, 1,
                                       UnixNow() + 600);  // another viewer's spend
  Contract unsigned_by_c = SignedContract(c, b, tk, spend, income, 1, 1, UnixNow() + 600);
  unsigned_by_c.viewer_sig = b.key.Sign(unsigned_by_c.id);  // the broadcaster signs for the viewer

  struct Case {
    std::string name;
    Party* sender;
    std::string method;
    json params;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"close with an invented receipt",
       &b,
       "closeContract",
       {{"contract", ToHex(k.id)}, {"receipt", invented.ToJson()}},
       ErrorCode::kForbidden},
      {"close with a raised amount",
       &b,
       "closeContract",
       {{"contract", ToHex(k.id)}, {"receipt", raised.ToJson()}},
       ErrorCode::kBadSignature},
      {"close with more segments than the contract",
       &b,
       "closeContract",
       {{"contract", ToHex(k.id)}, {"receipt", over.ToJson()}},
       ErrorCode::kInvalidField},
      {"close with an amount above the lock",
       &b,
       "closeContract",
       {{"contract", ToHex(k.id)}, {"receipt", above_lock.ToJson()}},
       ErrorCode::kInvalidField},
      {"close with another contract's receipt",
       &b,
       "closeContract",
       {{"contract", ToHex(k.id)}, {"receipt", other_contract.ToJson()}},
       ErrorCode::kInvalidField},
      {"close someone else's contract",
       &b,
       "closeContract",
       {{"contract", ToHex(theirs.id)}},
       ErrorCode::kForbidden},
      {"the viewer closes for the broadcaster",
       &c,
       "closeContract",
       {{"contract", ToHex(k.id)}},
       ErrorCode::kForbidden},
      {"open on another viewer's spend address",
       &b,
       "openContract",
       {{"contract", not_theirs.ToJson()}},
       ErrorCode::kForbidden},
      {"open without the viewer's signature",
       &b,
       "openContract",
       {{"contract", unsigned_by_c.ToJson()}},
       ErrorCode::kBadSignature},
      {"open the same contract twice",
       &b,
       "openContract",
       {{"contract", k.ToJson()}},
       ErrorCode::kDuplicate},
      {"close the income address under a contract",
       &b,
       "closeIncomeAddress",
       {{"address", income}},
       ErrorCode::kConflict},
      {"close the spend address under a contract",
       &c,
       "closeSpendAddress",
       {{"address", spend}},
       ErrorCode::kConflict},
      {"close another's spend address",
       &b,
       "closeSpendAddress",
       {{"address", spend}},
       ErrorCode::kForbidden},
  };
  for (const auto& k2 : cases) {
    CAPTURE(k2.name);
    auto r = k2.sender->client->Call(k2.method, k2.params);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == k2.code);
  }
  CHECK(snapshot() == before);

  // The honest close goes through, once.
  auto closed =
      b.client->Call("closeContract", {{"contract", ToHex(k.id)}, {"receipt", honest.ToJson()}});
  REQUIRE(closed.ok());
  CHECK((*closed)["paid"] == 40);
  auto twice =
      b.client->Call("closeContract", {{"contract", ToHex(k.id)}, {"receipt", honest.ToJson()}});
  CHECK(twice.error().code == ErrorCode::kConflict);
  // What the receipt paid, and the opening charge of one segment.
  CHECK((*c.client->Call("account", {{"address", income}}))["balance"] == 50);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("cheating attempts refused: ", cases.size() + 1);
}

}  // namespace tollstream::test
