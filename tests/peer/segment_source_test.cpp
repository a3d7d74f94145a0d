// SegmentSource on files in a temporary directory: statements outlive the
// bytes cache, and are reused only for the very file they were made from.
#include <doctest/doctest.h>

#include <fstream>

#include "peer/broadcast/segment_source.h"
#include "tests/support/temp_dir.h"

namespace tollstream {

TEST_CASE("a segment read again is signed once, unless its file changed") {
  test::TempDir dir;
  // A recording of 40 segments: more than the bytes cache holds.
  HlsPlaylist playlist;
  playlist.target_duration = 2;
  playlist.ended = true;
  for (uint64_t i = 0; i < 40; ++i) {
    std::string uri = "seg" + std::to_string(i) + ".ts";
    std::ofstream(dir / uri) << std::string(1000 + i, static_cast<char>('a' + i % 26));
    playlist.segments.push_back({i, 2000, uri, false});
  }
  std::ofstream(dir / "index.m3u8") << playlist.Serialize();
  KeyPair key = KeyPair::Generate();

  // By default a file just written is not settled: its statement is made
  // again on the next read.
  {
    SegmentSource fresh(dir / "index.m3u8", "news", key);
    REQUIRE(fresh.Refresh().ok());
    auto first = fresh.Get(0);
    REQUIRE(first.has_value());
    for (uint64_t i = 1; i < 40; ++i) REQUIRE(fresh.Get(i).has_value());
    auto again = fresh.Get(0);
    REQUIRE(again.has_value());
    CHECK(again->statement.sig != first->statement.sig);
    CHECK(CheckSegmentBytes(again->statement, *again->bytes).ok());
  }

  // Files settle at once here (the test cannot wait out real time).
  SegmentSource source(dir / "index.m3u8", "news", key, std::chrono::milliseconds(0));
  REQUIRE(source.Refresh().ok());

  auto first = source.Get(0);
  REQUIRE(first.has_value());
  CHECK(CheckSegmentBytes(first->statement, *first->bytes).ok());
  for (uint64_t i = 1; i < 40; ++i) REQUIRE(source.Get(i).has_value());  // segment 0's bytes leave the cache

  // Read from disk again: the same statement (signing draws fresh randomness,
  // so a second signature would differ).
  auto again = source.Get(0);
  REQUIRE(again.has_value());
  CHECK(again->bytes != first->bytes);  // not the cached copy
  CHECK(*again->bytes == *first->bytes);
  CHECK(again->statement.sig == first->statement.sig);

  // The file is rewritten to the same size: its new bytes get a new
  // statement (the test moves the time on; see FileStamp for the tick).
  auto written = std::filesystem::last_write_time(dir / "seg0.ts");
  std::ofstream(dir / "seg0.ts") << std::string(1000, 'z');
  std::filesystem::last_write_time(dir / "seg0.ts", written + std::chrono::seconds(1));
  for (uint64_t i = 1; i < 40; ++i) REQUIRE(source.Get(i).has_value());
  auto changed = source.Get(0);
  REQUIRE(changed.has_value());
  CHECK(*changed->bytes == std::string(1000, 'z'));
  CHECK(CheckSegmentBytes(changed->statement, *changed->bytes).ok());
  CHECK(changed->statement.sig != first->statement.sig);
}

}  // namespace tollstream
