// A tracker under hostile connections (tests/common/http/hostile_clients.h):
// held-open idle and slowloris connections must not keep a signed request
// waiting, a slow request is dropped within the total deadline of reading a
// request, and an oversized request is refused (431, 413) having read little,
// with the tracker's memory bounded. Figures are printed with MESSAGE.
#include <doctest/doctest.h>

#include <thread>

#include "tests/common/http/hostile_clients.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

using namespace std::chrono_literals;

TEST_CASE(
    "1,000 idle and 200 slowloris connections held open: a signed request is answered in under "
    "1 s at p99, and the server drops every slow one within 15 s") {
  REQUIRE(RaiseOpenFileLimit() >= 1500);
  TrackerFixture t;
  Party payer, sink;
  payer.client = t.NewClient(payer.key, {.timeout_ms = 2000, .attempts = 1});
  t.Mint(payer.address(), 1000);

  auto opened = std::chrono::steady_clock::now();
  auto flood = std::make_unique<ConnectionFlood>(FloodOptions{.port = t.port()});
  bool all_opened = flood->WaitAllOpened(10s);
  // Reads and writes, one every 200 ms, while the attack is held.
  int call = 0, transfers = 0;
  Latencies latencies = TimeCalls(50, 200ms, 25s, [&] {
    if (call++ % 2 == 0) return payer.client->Call("account", {{"address", payer.address()}}).ok();
    ++transfers;
    return payer.client->Call("transfer", {{"to", sink.address()}, {"amount", 1}}).ok();
  });
  // Past the deadline for every slow connection of the first wave.
  std::this_thread::sleep_until(opened + 17s);
  FloodFigures f = flood->Figures(15s);
  bool alive = t.process().running();
  flood.reset();

  MESSAGE("signed requests under attack: ", latencies.Describe());
  MESSAGE("attack (all opened at first: ", all_opened, "): ", f.Describe());
  CHECK(all_opened);
  CHECK(alive);
  CHECK(latencies.answered == latencies.calls);
  CHECK(latencies.p99_ms < 1000);
  CHECK(f.slow_dropped >= 200);
  CHECK(f.slow_overdue == 0);

  // Once the attack is gone the tracker answers, and its ledger holds.
  auto checker = t.NewClient();
  auto account = checker->Call("account", {{"address", sink.address()}});
  REQUIRE(account.ok());
  MESSAGE("transfers applied under attack: ", (*account)["balance"].get<uint64_t>(), " of ",
          transfers, " asked");
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a 100 MB header line and 200,000 header lines get 431, a 200 MB chunked body and a declared "
    "one 413, each having read at most about 1 MB; the tracker's RSS grows by less than 20 MB") {
  TrackerFixture t;
  auto client = t.NewClient();
  REQUIRE(client->Call("account", {{"address", AddressOf(client->key().public_key())}}).ok());

  OversizeFigures f = SendOversized(t.port(), "/v1/account", t.process().pid());
  bool alive = t.process().running();
  MESSAGE(f.Describe());
  CHECK(alive);
  CheckOversizedRefused(f);

  // The tracker still serves.
  if (alive)
    CHECK(client->Call("account", {{"address", AddressOf(client->key().public_key())}}).ok());
}

}  // namespace tollstream::test
