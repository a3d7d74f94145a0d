// Parallel requests against one spend balance: locks never exceed it.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "common/base/clock.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

TEST_CASE("many parallel contracts against one spend address never lock more than its balance") {
  TrackerFixture t;
  Party c;
  c.client = t.NewClient(c.key);
  t.Mint(c.address(), 1100);
  auto spend = c.client->Call("getSpendAddress", {{"deposit", 1100}});
  REQUIRE(spend.ok());
  // 64 contracts, each locking 100 and charging 10 on opening: 10 fit.
  constexpr int kBroadcasters = 8, kEach = 8;
  std::vector<Party> bs(kBroadcasters);
  std::vector<std::string> incomes(kBroadcasters);
  for (int i = 0; i < kBroadcasters; ++i) {
    bs[i].client = t.NewClient(bs[i].key);
    incomes[i] = (*bs[i].client->Call("getIncomeAddress", json::object()))["address"];
  }
  PublicKey tracker = *c.client->tracker();
  std::atomic<int> opened{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kBroadcasters; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        Contract k = SignedContract(c, bs[i], tracker, (*spend)["address"], incomes[i], 10, 10,
                                    UnixNow() + 600);
        auto r = bs[i].client->Call("openContract", {{"contract", k.ToJson()}});
        if (r.ok()) {
          ++opened;
        } else if (r.error().code == ErrorCode::kInsufficientFunds) {
          ++refused;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(opened == 10);
  CHECK(refused == kBroadcasters * kEach - 10);
  CHECK(other == 0);
  auto account = c.client->Call("account", {{"address", (*spend)["address"]}});
  CHECK((*account)["locked"] == 1000);
  CHECK((*account)["open_contracts"] == 10);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("closeSpendAddress racing openContract: one side wins, the ledger holds") {
  TrackerFixture t;
  constexpr int kRounds = 20;
  int closes_won = 0, opens_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    Party c, b;
    c.client = t.NewClient(c.key);
    b.client = t.NewClient(b.key);
    auto b2 = t.NewClient(c.key);  // the viewer's second connection
    t.Mint(c.address(), 110);      // a lock of 100 and an opening charge of 10
    auto spend = c.client->Call("getSpendAddress", {{"deposit", 110}});
    auto income = b.client->Call("getIncomeAddress", json::object());
    Contract k = SignedContract(c, b, *c.client->tracker(), (*spend)["address"],
                                (*income)["address"], 10, 10, UnixNow() + 600);
    Result<json> open_result = MakeError(ErrorCode::kInternal, "");
    Result<json> close_result = MakeError(ErrorCode::kInternal, "");
    std::thread opener([&] {
      open_result = b.client->Call("openContract", {{"contract", k.ToJson()}});
    });
    std::thread closer([&] {
      close_result = b2->Call("closeSpendAddress", {{"address", (*spend)["address"]}});
    });
    opener.join();
    closer.join();
    CHECK(open_result.ok() != close_result.ok());  // exactly one wins
    if (open_result.ok()) {
      ++opens_won;
      CHECK(close_result.error().code == ErrorCode::kConflict);
    } else {
      ++closes_won;
      CHECK(open_result.error().code == ErrorCode::kConflict);
      auto back = c.client->Call("account", {{"address", c.address()}});
      CHECK((*back)["balance"] == 110);
    }
  }
  MESSAGE("opens won ", opens_won, ", closes won ", closes_won);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
