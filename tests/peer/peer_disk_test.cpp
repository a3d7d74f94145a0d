// A viewer whose disk fills: it settles its contract, gets its deposit back
// and exits with an error that names the cause, never with a truncated
// file and status 0. Runs as root (a small tmpfs is mounted for the test);
// otherwise it is skipped (exit 77) with the reason printed.
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

}  // namespace tollstream::test
