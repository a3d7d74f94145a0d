// A broadcaster killed with kill -9 mid-stream closes the contract with its
// stored receipt when it starts again.
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

TEST_CASE("a broadcaster killed mid-stream closes with its stored receipt after a restart") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  std::vector<std::string> args = {"--hls-dir", live, "--state-dir", dir / "b.state"};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);  // the same address after the restart
  REQUIRE(WaitForSegments(live, 2, 60s));

  ViewerProcess viewer(t, c, "live", 100, {"--exit-at-end"}, dir / "c.log");
  auto opened = viewer.process.WaitForLine("contract ", 30s);
  REQUIRE(opened.has_value());
  std::string id = opened->substr(0, 64);
  uint64_t from = std::stoull(opened->substr(opened->rfind(' ') + 1));
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  size_t bought = 0;
  for (size_t pos = 0; (pos = viewer.process.output().find("\nsegment ", pos)) != std::string::npos;
       ++pos) {
    ++bought;
  }

  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b2.log", listen);
  auto stored = broadcaster->process.output();
  CHECK(stored.find("contract " + id + " closed from the stored receipt") != std::string::npos);

  auto checker = t.NewClient();
  json contract = *checker->Call("contract", {{"id", id}});
  CHECK(contract["state"] == "closed");
  uint64_t paid_segments = contract["segments"];
  CHECK(paid_segments + 1 >= bought);  // at most the one segment in flight is unpaid
  CHECK(paid_segments <= bought);
  CHECK(contract["paid"] == 2 * paid_segments);
  // The stored receipt's hash chain is over exactly the source segments delivered.
  SourceSegments source = ReadSource(live);
  Hash256 chain = *FromHexFixed<32>(id);
  for (uint64_t i = 0; i < paid_segments; ++i) {
    chain = ExtendChain(chain, Sha256(source.bytes[from + i - source.playlist.media_sequence]));
  }
  CHECK(contract["chain"] == ToHex(chain));

  // The viewer learns the contract is closed and gets the rest of its
  // deposit back: all but the receipts and the opening charge (2).
  CHECK(viewer.process.Wait(90s) == 0);
  CHECK(viewer.process.output().find("returned " + std::to_string(100 - 2 * paid_segments - 2)) !=
        std::string::npos);
  CHECK(Balance(t, c.address()) == 100 - 2 * paid_segments - 2);
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == 2 * paid_segments + 2);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("bought ", bought, " segments before the kill; the stored receipt paid ", paid_segments);
  encoder->Signal(SIGTERM);
}

}  // namespace tollstream::test

namespace tollstream::test {

TEST_CASE(
    "a viewer killed mid-stream: the contract closes at its last receipt, the deposit comes back") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "live", 3, {"--hls-dir", live, "--receipt-timeout", "2"},
                                 dir / "b.log");
  ViewerProcess viewer(t, c, "live", 60, {}, dir / "c.log");
  auto opened = viewer.process.WaitForLine("contract ", 60s);
  REQUIRE(opened.has_value());
  std::string id = opened->substr(0, 64);
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  viewer.process.Signal(SIGKILL);
  REQUIRE(viewer.process.Wait(10s) == 128 + SIGKILL);

  // The broadcaster hears nothing more and closes at the last receipt it holds.
  REQUIRE(broadcaster.process.WaitForLine("contract " + id + " closed", 30s).has_value());
  auto checker = t.NewClient();
  json contract = *checker->Call("contract", {{"id", id}});
  CHECK(contract["state"] == "closed");
  uint64_t paid = contract["paid"];
  CHECK(paid >= 3);  // at least the first segment was paid for
  json spend = *checker->Call("account", {{"address", contract["terms"]["spend_address"]}});
  uint64_t charged = contract["charged"];
  CHECK(charged == 3);  // the opening charge: one segment's price
  CHECK(spend["locked"] == 0);
  CHECK(spend["balance"] == 60 - paid - charged);

  // The viewer's owner takes the rest back.
  auto [status, out] =
      RunCommand({BinaryPath("peer"), "wallet", "--tracker", t.url(), "--key", c.path, "reclaim"});
  CHECK(status == 0);
  CHECK(out.find("reclaimed " + std::to_string(60 - paid - charged)) != std::string::npos);
  CHECK(Balance(t, c.address()) == 100 - paid - charged);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid + charged);
  CHECK(t.Audit(true).first == 0);
  encoder->Signal(SIGTERM);
}

}  // namespace tollstream::test
