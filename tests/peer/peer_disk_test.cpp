// A viewer whose disk fills: it settles its contract, gets its deposit back
// and exits with an error that names the cause, never with a truncated
// file and status 0. A broadcaster whose state directory fills: it closes
// the contract whose receipt it cannot record, sells no new contract, and
// sells again once the disk has room. Runs as root (a small tmpfs is
// mounted for the test); otherwise it is skipped (exit 77) with the reason
// printed.
#include "tests/peer/hand_viewer.h"
#include "tests/peer/peer_fixture.h"
#include "tests/support/small_disk.h"

namespace tollstream::test {
namespace {

// Runs a viewer of an 8-segment recording with `args` until it exits;
// checks it failed naming the full disk, settled, and holds no deposit.
void ViewerOnFullDisk(const std::string& dir, const std::vector<std::string>& args) {
  std::string vod = dir + "/vod";
  MakeTestVideo(vod, 16);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir + "/b.key");
  KeyFile c = NewKeyFile(dir + "/c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "vod", 2, {"--hls-dir", vod}, dir + "/b.log");
  std::vector<std::string> viewer_args = {"--exit-at-end"};
  viewer_args.insert(viewer_args.end(), args.begin(), args.end());
  ViewerProcess viewer(t, c, "vod", 100, viewer_args, dir + "/c.log");
  int status = viewer.process.Wait(90s);
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(status != 0);
  CHECK(status != -1);
  CHECK(out.find("No space left on device") != std::string::npos);
  // Settled at the tracker: what was bought is paid, the rest came back.
  auto opened = out.find("contract ");
  REQUIRE(opened != std::string::npos);
  std::string id = out.substr(opened + 9, 64);
  json contract = *t.NewClient()->Call("contract", {{"id", id}});
  CHECK(contract["state"] == "closed");
  uint64_t paid = contract["paid"];
  uint64_t charged = contract["charged"];
  CHECK(paid >= 2);
  CHECK(Balance(t, c.address()) == 100 - paid - charged);  // no deposit left locked
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("full disk: the viewer paid " << paid << " for what it kept, got the rest back and "
                                        << "exited with status " << status);
}

}  // namespace

TEST_CASE("a viewer whose --out disk fills settles, returns the deposit and fails loudly") {
  TempDir dir;
  std::string small = dir / "small";
  SmallDisk::SkipUnlessAvailable();
  SmallDisk disk(small, 96 << 10);  // two segments of the test video, not three
  ViewerOnFullDisk(dir.path(), {"--out", small + "/out.ts"});
}

TEST_CASE("a viewer whose --store-dir fills settles, returns the deposit and fails loudly") {
  TempDir dir;
  std::string small = dir / "small";
  SmallDisk::SkipUnlessAvailable();
  SmallDisk disk(small, 96 << 10);
  ViewerOnFullDisk(dir.path(), {"--store-dir", small + "/store"});
}

TEST_CASE(
    "a broadcaster whose state directory fills sells no new contract, and sells again once it "
    "has room") {
  TempDir dir;
  SmallDisk::SkipUnlessAvailable();
  SmallDisk disk(dir / "state", 4 << 20);
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 16);
  std::this_thread::sleep_for(2500ms);  // the files settle before they are signed
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", vod, "--state-dir", disk.path()},
                                 dir / "b.log");
  using Kind = BroadcasterClient::Delivery::Kind;

  // Whole contracts, bought to their end, until the store refuses a record:
  // the offer (refused, never opened) or a receipt (the contract closes at
  // the tracker with it, and no whole segment goes after it).
  HandViewer v(t, "demo", 10000);
  size_t contracts = 0, receipts = 0;
  std::optional<Error> refused;
  uint64_t delivered = 0;
  while (!refused && contracts < 400) {
    auto offer = v.TryOpen(8);
    if (!offer) {
      refused = offer.error();
      break;
    }
    // The disk fills once the store holds a record: its log has room set
    // aside (in steps of 1 MiB), which is written first.
    if (++contracts == 1) disk.Fill();
    delivered = 0;
    for (;;) {
      auto next = v.node->NextSegment(ToHex(v.contract.id), v.receipt);
      if (!next) {
        refused = next.error();
        break;
      }
      if (next->kind != Kind::kSegment) break;  // all 8 delivered and paid: "end"
      v.Pay(*next);
      ++delivered;
      ++receipts;
    }
  }
  REQUIRE_MESSAGE(refused.has_value(), "the store never refused a record");
  // 503 when a record was refused before the answer; when the write failed
  // while the segment travelled, the answer is cut and the client's retry
  // finds the contract closed (404), or no answer at all.
  CHECK((refused->code == ErrorCode::kUnavailable || refused->code == ErrorCode::kNotFound ||
         refused->code == ErrorCode::kUpstream));
  auto last = v.party.client->Call("contract", {{"id", ToHex(v.contract.id)}});
  if (last.ok()) {  // refused mid-contract: closed with the receipt for all delivered
    CHECK(WaitForState(v, "closed", 10s)["state"] == "closed");
    CHECK(v.ContractState()["segments"] == delivered);
  }

  // No new contract while the disk is full: refused, never opened.
  auto offer = v.TryOpen(4);
  REQUIRE_FALSE(offer.ok());
  CHECK(offer.error().code == ErrorCode::kUnavailable);
  auto unknown = v.party.client->Call("contract", {{"id", ToHex(v.contract.id)}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().code == ErrorCode::kNotFound);

  // Room again: the node takes contracts and records receipts without a restart.
  disk.Free();
  Result<json> again = MakeError(ErrorCode::kUnavailable, "not tried");
  auto freed = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() < freed + 15s) {
    again = v.TryOpen(4);
    if (again.ok() || again.error().code != ErrorCode::kUnavailable) break;
    std::this_thread::sleep_for(100ms);
  }
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  auto recovered = std::chrono::steady_clock::now() - freed;
  for (int i = 0; i < 3; ++i) {
    auto d = v.Ask(v.receipt);
    REQUIRE(d.kind == Kind::kSegment);
    v.Pay(d);
  }
  auto left = v.node->Close(ToHex(v.contract.id), v.receipt);
  REQUIRE_MESSAGE(left.ok(), left.error().message);
  json paid = v.ContractState();
  CHECK(paid["state"] == "closed");
  CHECK(paid["segments"] == 3);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("full state directory: "
          << contracts << " contracts and " << receipts
          << " receipts recorded in the room the log had, then refused (" << refused->message
          << "); a new offer refused; selling again "
          << std::chrono::duration_cast<std::chrono::milliseconds>(recovered).count()
          << " ms after the disk had room");
}

}  // namespace tollstream::test
