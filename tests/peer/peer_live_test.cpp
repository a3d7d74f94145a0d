// A live stream: ffmpeg is still writing the playlist the broadcaster follows;
// the viewer joins at the live edge and stays there.
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

TEST_CASE("live: the viewer joins at the live edge and keeps up with the encoder") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 16);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "live", 1, {"--hls-dir", live}, dir / "b.log");
  REQUIRE(WaitForSegments(live, 3, 60s));
  uint64_t edge_at_join = ReadSource(live).playlist.segments.back().seq;

  ViewerProcess viewer(t, c, "live", 100, {}, dir / "c.log");
  auto opened = viewer.process.WaitForLine("contract ", 30s);
  REQUIRE(opened.has_value());
  uint64_t from = std::stoull(opened->substr(opened->rfind(' ') + 1));
  CHECK(from >= edge_at_join);  // not from the start: at the live edge

  // While the encoder writes, the viewer is never more than one segment behind
  // (sampled; a lag of two segments is allowed for a loaded machine).
  int64_t worst_lag = 0;
  int samples = 0;
  while (encoder->running()) {
    HlsPlaylist mine = ViewerPlaylist(viewer);
    HlsPlaylist source = ReadSource(live).playlist;
    if (!mine.segments.empty() && !source.segments.empty()) {
      int64_t lag = static_cast<int64_t>(source.segments.back().seq) -
                    static_cast<int64_t>(mine.segments.back().seq);
      worst_lag = std::max(worst_lag, lag);
      ++samples;
    }
    std::this_thread::sleep_for(300ms);
  }
  CHECK(encoder->Wait(10s) == 0);
  auto settled = viewer.process.WaitForLine("settled: ", 60s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  CHECK(viewer.process.output().find("stopped buying: the stream ended") != std::string::npos);
  MESSAGE("joined at segment ", from, " (edge ", edge_at_join, "); worst lag ", worst_lag,
          " segments over ", samples, " samples");
  CHECK(samples > 10);
  CHECK(worst_lag <= 2);

  // Every segment from the join to the end, in order, byte for byte.
  SourceSegments source = ReadSource(live);
  HlsPlaylist mine = EndedViewerPlaylist(viewer);
  REQUIRE(mine.ended);
  REQUIRE(!mine.segments.empty());
  CHECK(mine.segments.front().seq == from);
  CHECK(mine.segments.back().seq == source.playlist.segments.back().seq);
  std::string base = viewer.playlist_url.substr(0, viewer.playlist_url.rfind('/') + 1);
  for (const auto& s : mine.segments) {
    CAPTURE(s.seq);
    auto served = HttpGet(base + s.uri);
    REQUIRE(served.has_value());
    CHECK(*served == source.bytes[s.seq - source.playlist.media_sequence]);
  }
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster.process.Signal(SIGTERM);
  CHECK(broadcaster.process.Wait(30s) == 0);
  // One token a segment, and one for the opening charge of the one contract.
  CHECK(Balance(t, b.address()) == mine.segments.size() + 1);
  CHECK(Balance(t, c.address()) == 100 - mine.segments.size() - 1);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
