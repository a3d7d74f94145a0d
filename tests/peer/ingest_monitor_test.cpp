#include "peer/broadcast/ingest_monitor.h"

#include <fstream>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

TEST_CASE("bitrate over the newest 5 segments, and the keyframe interval sent") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 20);  // 10 segments of 2 s, a keyframe every 2 s
  auto playlist = ParseHlsPlaylist(*ReadWholeFile(hls + "/index.m3u8"));
  REQUIRE(playlist.ok());
  REQUIRE(playlist->segments.size() == 10);
  IngestMonitor monitor(hls + "/index.m3u8");
  CHECK_FALSE(monitor.bitrate_kbps().has_value());
  CHECK_FALSE(monitor.keyframe_interval_ms().has_value());
  monitor.Update();
  // Only the newest 5 are read: their bytes over their durations.
  uint64_t bytes = 0;
  int64_t ms = 0;
  for (size_t i = 5; i < 10; ++i) {
    bytes += std::filesystem::file_size(hls + "/" + playlist->segments[i].uri);
    ms += playlist->segments[i].duration_ms;
  }
  CHECK(monitor.bitrate_kbps() == static_cast<int64_t>(bytes * 8 / ms));
  CHECK(monitor.keyframe_interval_ms() == 2000);
  CHECK(monitor.ended());
  // The same playlist: nothing read again, nothing changed.
  std::filesystem::remove(hls + "/" + playlist->segments[9].uri);
  monitor.Update();
  CHECK(monitor.bitrate_kbps() == static_cast<int64_t>(bytes * 8 / ms));
}

TEST_CASE("a segment that cannot be read is skipped; a live playlist has not ended") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 4);
  auto playlist = ParseHlsPlaylist(*ReadWholeFile(hls + "/index.m3u8"));
  REQUIRE(playlist.ok());
  REQUIRE(playlist->segments.size() == 2);
  HlsPlaylist live = *playlist;
  live.ended = false;
  HlsSegment missing = playlist->segments[1];
  missing.seq = 2;
  missing.uri = "gone.ts";
  live.segments.push_back(missing);
  std::ofstream(hls + "/live.m3u8") << live.Serialize();
  IngestMonitor monitor(hls + "/live.m3u8");
  monitor.Update();
  uint64_t bytes = std::filesystem::file_size(hls + "/" + playlist->segments[0].uri) +
                   std::filesystem::file_size(hls + "/" + playlist->segments[1].uri);
  int64_t ms = playlist->segments[0].duration_ms + playlist->segments[1].duration_ms;
  CHECK(monitor.bitrate_kbps() == static_cast<int64_t>(bytes * 8 / ms));
  CHECK(monitor.keyframe_interval_ms() == 2000);
  CHECK_FALSE(monitor.ended());
}

TEST_CASE("a playlist that does not parse for 2 s is reported, until it does") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 4);
  std::string good = *ReadWholeFile(hls + "/index.m3u8");
  IngestMonitor monitor(hls + "/index.m3u8");
  monitor.Update();
  CHECK(monitor.playlist_error().empty());
  std::ofstream(hls + "/index.m3u8") << "#EXTM3U\n#EXTINF:x,\nseg000.ts\n";
  monitor.Update();
  CHECK(monitor.playlist_error().empty());  // being rewritten, perhaps
  std::this_thread::sleep_for(2100ms);
  monitor.Update();
  CHECK(monitor.playlist_error() == "playlist line 2: bad #EXTINF duration");
  std::ofstream(hls + "/index.m3u8") << good;
  monitor.Update();
  CHECK(monitor.playlist_error().empty());
}

}  // namespace tollstream::test
