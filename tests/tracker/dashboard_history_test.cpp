// The dashboard's history in a real tracker process (--history-step 1): it
// adds up to the ledger's totals, and a restart keeps it.
#include <doctest/doctest.h>
#include <httplib.h>

#include <thread>

#include "common/base/clock.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

json GetJson(TrackerFixture& t, const char* path) {
  httplib::Client http(t.url());
  auto res = http.Get(path);
  REQUIRE(res);
  REQUIRE(res->status == 200);
  return json::parse(res->body);
}

uint64_t Sum(const json& points, const char* key) {
  uint64_t n = 0;
  for (const auto& p : points) n += p[key].get<uint64_t>();
  return n;
}

// The history once it has caught up with `contracts` opened and `paid`
// tokens (it samples once a second).
json HistoryWith(TrackerFixture& t, uint64_t contracts, uint64_t paid) {
  json h;
  for (int i = 0; i < 50; ++i) {
    h = GetJson(t, "/dashboard/api/history");
    if (Sum(h["day"], "contracts_opened") == contracts && Sum(h["day"], "tokens_paid") == paid)
      return h;
    std::this_thread::sleep_for(100ms);
  }
  FAIL("the history never showed " << contracts << " contracts and " << paid
                                   << " tokens: " << h.dump());
  return h;
}

}  // namespace

TEST_CASE("the history adds up to the ledger's totals and is kept across a restart") {
  TrackerFixture t({"--history-step", "1"});
  Party b, c;
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  t.Mint(c.address(), 1000);
  std::string income = (*b.client->Call("getIncomeAddress", json::object()))["address"];
  std::string spend = (*c.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
  PublicKey tracker = t.tracker_key().public_key();
  Contract k = SignedContract(c, b, tracker, spend, income, 4, 10, UnixNow() + 600);
  REQUIRE(b.client->Call("openContract", {{"contract", k.ToJson()}}).ok());
  Receipt r = SignedReceipt(c, k, 5, 5000);
  REQUIRE(
      b.client->Call("closeContract", {{"contract", ToHex(k.id)}, {"receipt", r.ToJson()}}).ok());
  // 4 to open, 5 segments at 4 when closed.
  json before = HistoryWith(t, 1, 4 + 20);
  CHECK(before["step"] == 1);
  CHECK(Sum(before["day"], "segments") == 5);
  CHECK(Sum(before["day"], "bytes") == 5000);
  CHECK(Sum(before["hour"], "contracts_opened") == 1);
  json summary = GetJson(t, "/dashboard/api/summary")["ledger"];
  CHECK(summary["contracts_opened"] == 1);
  CHECK(summary["paid"].get<uint64_t>() + summary["charged"].get<uint64_t>() == 24);

  // Stopped and started again: the same points, and the next contract adds on.
  REQUIRE(t.Stop() == 0);
  t.Start();
  json after = GetJson(t, "/dashboard/api/history");
  CHECK(Sum(after["day"], "contracts_opened") == 1);
  CHECK(Sum(after["day"], "tokens_paid") == 24);
  b.client = t.NewClient(b.key);
  Contract k2 = SignedContract(c, b, tracker, spend, income, 4, 10, UnixNow() + 600);
  REQUIRE(b.client->Call("openContract", {{"contract", k2.ToJson()}}).ok());
  HistoryWith(t, 2, 28);
}

}  // namespace tollstream::test
