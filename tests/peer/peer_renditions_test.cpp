// A stream sold in several renditions, made by the broadcaster's own ffmpeg
// from one source: each viewer pays each segment at the price of the
// rendition it bought, exactly, and plays what it bought.
#include <doctest/doctest.h>

#include <regex>

#include "peer/watch/broadcaster_client.h"
#include "tests/peer/peer_fixture.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

// From a viewer's "settled: paid X for N segments, ..." line: {X, N}.
std::pair<uint64_t, uint64_t> Settled(const Process& viewer) {
  std::smatch m;
  std::string said = viewer.output();
  REQUIRE_MESSAGE(
      std::regex_search(said, m, std::regex("settled: paid (\\d+) for (\\d+) segments")), said);
  return {std::stoull(m[1]), std::stoull(m[2])};
}

// The height of the video `file` holds.
int HeightOf(const std::string& file) {
  auto [probed, out] = RunCommand({"/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0",
                                   "-show_entries", "stream=height", "-of", "csv=p=0", file});
  REQUIRE(probed == 0);
  return std::stoi(out);
}

}  // namespace

TEST_CASE("three renditions from one source: each viewer pays its rendition's price, exactly") {
  TempDir dir;
  auto args = TestPatternArgs(8, /*realtime=*/false);
  args.insert(args.end(), {"-c:v", "libx264", "-c:a", "aac", dir / "clip.mp4"});
  auto [made, made_out] = RunCommand(args, 120s);
  REQUIRE_MESSAGE(made == 0, made_out);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile top = NewKeyFile(dir / "top.key");
  KeyFile low = NewKeyFile(dir / "low.key");
  t.Mint(top.address(), 200);
  t.Mint(low.address(), 200);
  // Prices in proportion to bitrate from 6: 6, 2 and 1.
  BroadcasterProcess broadcaster(
      t, b, "clip", 6,
      {"--source", dir / "clip.mp4", "--renditions", "240p:600k,144p:200k,96p:100k"},
      dir / "b.log");
  std::string said = broadcaster.process.output();
  CHECK(said.find("rendition 240p: 240 lines, 600 kbit/s, 6 a segment") != std::string::npos);
  CHECK(said.find("rendition 144p: 144 lines, 200 kbit/s, 2 a segment") != std::string::npos);
  CHECK(said.find("rendition 96p: 96 lines, 100 kbit/s, 1 a segment") != std::string::npos);

  // What the broadcaster says it sells.
  auto c = t.NewClient(top.key);
  BroadcasterClient node(broadcaster.url, top.key, *c->tracker(), b.key.public_key(),
                         c->clock_offset());
  auto stream = node.Stream("clip");
  REQUIRE(stream.ok());
  CHECK((*stream)["price"] == 6);
  CHECK((*stream)["renditions"] ==
        json::parse(R"([{"name":"240p","height":240,"bitrate":600000,"price":6},
                        {"name":"144p","height":144,"bitrate":200000,"price":2},
                        {"name":"96p","height":96,"bitrate":100000,"price":1}])"));

  // And the tracker lists them with its announcement.
  auto listed = c->Call("lookup", {{"stream", "clip"}});
  REQUIRE(listed.ok());
  REQUIRE((*listed)["broadcasters"].size() == 1);
  CHECK((*listed)["broadcasters"][0]["renditions"] == (*stream)["renditions"]);

  ViewerProcess buys_top(t, top, "clip", 200, {"--exit-at-end", "--out", dir / "top.ts"},
                         dir / "top.log");
  ViewerProcess buys_low(t, low, "clip", 200,
                         {"--exit-at-end", "--rendition", "96p", "--out", dir / "low.ts"},
                         dir / "low.log");
  REQUIRE(buys_top.process.Wait(120s) == 0);
  REQUIRE(buys_low.process.Wait(120s) == 0);
  auto [top_paid, top_segments] = Settled(buys_top.process);
  auto [low_paid, low_segments] = Settled(buys_low.process);
  CHECK(top_segments >= 4);
  CHECK(low_segments == top_segments);
  // The opening charge (the contract's price) and each segment at its price.
  CHECK(top_paid == 6 + 6 * top_segments);
  CHECK(low_paid == 1 + 1 * low_segments);
  CHECK(Balance(t, top.address()) == 200 - top_paid);
  CHECK(Balance(t, low.address()) == 200 - low_paid);
  // Each played what it bought, end to end.
  CHECK(HeightOf(dir / "top.ts") == 240);
  CHECK(HeightOf(dir / "low.ts") == 96);
  CHECK_FALSE(FrameChecksums(dir / "top.ts").empty());
  CHECK_FALSE(FrameChecksums(dir / "low.ts").empty());

  // A rendition the broadcaster does not sell: said plainly, nothing paid.
  KeyFile odd = NewKeyFile(dir / "odd.key");
  t.Mint(odd.address(), 50);
  auto [status, out] = RunCommand(
      {BinaryPath("peer"), "watch", "--tracker", t.url(), "--key", odd.path, "--stream", "clip",
       "--budget", "50", "--listen", "127.0.0.1:0", "--exit-at-end", "--rendition", "4k"},
      60s);
  CHECK(status != 0);
  CHECK_MESSAGE(out.find("the source sells no rendition 4k") != std::string::npos, out);
  CHECK(Balance(t, odd.address()) == 50);

  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == top_paid + low_paid);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
