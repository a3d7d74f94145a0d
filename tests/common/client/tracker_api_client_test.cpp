// The typed tracker calls against a real tracker process: each method's
// answer read into its struct, a full contract cycle through them, and the
// tracker's refusals passed on with their codes.
#include <doctest/doctest.h>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

TEST_CASE("typed calls: balances, special addresses, a contract cycle, listings") {
  TrackerFixture t;
  Party viewer{KeyPair::Generate(), nullptr};
  Party seller{KeyPair::Generate(), nullptr};
  viewer.client = t.NewClient(viewer.key);
  seller.client = t.NewClient(seller.key);
  TrackerApi v(*viewer.client);
  TrackerApi s(*seller.client);
  t.Mint(viewer.address(), 100);
  CHECK(v.Balance(viewer.address()).value() == 100);
  CHECK(v.Balance(std::string(64, 'e')).value() == 0);  // never seen: an empty account

  auto spend = v.GetSpendAddress(30);
  auto income = s.GetIncomeAddress();
  REQUIRE(spend.ok());
  REQUIRE(income.ok());
  CHECK(s.GetIncomeAddress().value() == *income);  // the same while open
  CHECK(v.Balance(viewer.address()).value() == 70);

  // Announced and listed, with its income address; a relay is told apart.
  REQUIRE(s.Announce({"news", "http://127.0.0.1:9/", 3, 30, std::nullopt, "", "", {}}).ok());
  auto listed = v.Lookup("news", std::nullopt);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].broadcaster == seller.key.public_key());
  CHECK((*listed)[0].income_address == *income);
  CHECK((*listed)[0].price == 3);
  CHECK((*listed)[0].url == "http://127.0.0.1:9/");
  CHECK_FALSE((*listed)[0].relay());
  CHECK(v.Lookup("news", viewer.key.public_key()).value().empty());  // of another origin

  // 9 segments at 3 lock 27; the opening charge is 3 more.
  Contract k = SignedContract(viewer, seller, *viewer.client->tracker(), *spend, *income, 3, 9,
                              UnixNow() + 3600);
  auto opened = s.OpenContract(k.ToJson());
  REQUIRE(opened.ok());
  CHECK(opened->result["state"] == "open");
  CHECK(opened->result["charged"] == 3);
  std::string id = ToHex(k.id);
  CHECK(v.Contract(id).value().state == "open");
  Receipt r;
  r.contract = k.id;
  r.viewer = viewer.key.public_key();
  r.segments = 2;
  r.bytes = 10;
  r.amount = 6;
  r.chain = k.id;
  SignReceipt(r, viewer.key);
  auto closed = s.CloseContract(id, r.ToJson());
  REQUIRE(closed.ok());
  ContractStatus status = v.Contract(id).value();
  CHECK(status.state == "closed");
  CHECK(status.paid == 6);

  // Closing the special addresses pays out what they hold, to the owner.
  Payout refund = v.CloseSpendAddress(*spend).value();
  CHECK(refund.paid_out == 21);
  CHECK(refund.to == viewer.address());
  CHECK(refund.balance == 91);
  Payout earned = s.CloseIncomeAddress(*income).value();
  CHECK(earned.paid_out == 9);  // the opening charge and the receipt
  CHECK(earned.balance == 9);
  // Closed: no longer listed.
  CHECK(v.Lookup("news", std::nullopt).value().empty());
}

TEST_CASE("typed calls pass the tracker's refusals on with their codes") {
  TrackerFixture t;
  Party p{KeyPair::Generate(), nullptr};
  p.client = t.NewClient(p.key);
  TrackerApi api(*p.client);
  CHECK(api.Transfer(std::string(64, 'a'), 5).error().code == ErrorCode::kInsufficientFunds);
  CHECK(api.GetSpendAddress(1).error().code == ErrorCode::kInsufficientFunds);
  CHECK(api.Contract(std::string(64, '0')).error().code == ErrorCode::kNotFound);
  CHECK(api.CloseSpendAddress(std::string(64, 'b')).error().code == ErrorCode::kNotFound);
  CHECK(api.Announce({"news", "ftp://x", 1, 30, std::nullopt, "", "", {}}).error().code ==
        ErrorCode::kInvalidField);
  CHECK(api.Mint(AddressOf(p.key.public_key()), 1).error().code == ErrorCode::kForbidden);

  auto connected = ConnectTracker(t.url(), p.key);
  REQUIRE(connected.ok());
  CHECK((*connected)->tracker() == p.client->tracker());
  for (const std::string& slashed : {t.url() + "/", t.url() + "//"}) {  // as often typed
    auto also = ConnectTracker(slashed, p.key);
    REQUIRE_MESSAGE(also.ok(), also.error().message);
    CHECK(TrackerApi(**also).Balance(std::string(64, 'a')).ok());
  }
  t.Stop();
  auto nowhere = ConnectTracker(t.url(), p.key);
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.error().message.find("tracker " + t.url() + ": ") == 0);
}

}  // namespace
}  // namespace tollstream::test
