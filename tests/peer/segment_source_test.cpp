// SegmentSource on files in a temporary directory: statements are reused
// only for the very file they were made from; a settled file is hashed from
// the file and sent from it, never held in memory, and one just written is
// read whole and signed again when asked for again.
#include "peer/broadcast/segment_source.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace tollstream {
namespace {

// What a segment handed out would send: its bytes in memory, else its file's.
std::string Sent(const SourceSegment& s) {
  if (s.bytes) return *s.bytes;
  REQUIRE(s.file);
  std::string bytes(s.file->size(), '\0');
  REQUIRE(::pread(s.file->fd(), bytes.data(), bytes.size(), 0) ==
          static_cast<ssize_t>(bytes.size()));
  return bytes;
}

// `s` is handed out from its file alone, holding `bytes` under its statement.
void CheckFromFile(const std::optional<SourceSegment>& s, const std::string& bytes) {
  REQUIRE(s.has_value());
  CHECK(s->bytes == nullptr);
  CHECK(Sent(*s) == bytes);
  CHECK(CheckSegmentBytes(s->statement, Sent(*s)).ok());
}

// Rewrites `path` in place with `bytes`, its time set a second before the
// one it had: the stamp differs even within one tick of the file clock, and
// the file counts as settled at once (see FileStamp).
void Rewrite(const std::filesystem::path& path, const std::string& bytes) {
  auto written = std::filesystem::last_write_time(path);
  std::ofstream(path) << bytes;
  std::filesystem::last_write_time(path, written - std::chrono::seconds(1));
}

}  // namespace

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
    REQUIRE(again->bytes);  // read whole, sent from memory
    CHECK(again->file == nullptr);
    CHECK(CheckSegmentBytes(again->statement, *again->bytes).ok());
  }

  // Files settle at once here (the test cannot wait out real time).
  SegmentSource source(dir / "index.m3u8", "news", key, std::chrono::milliseconds(0));
  REQUIRE(source.Refresh().ok());

  // Settled: hashed from its file and sent from it, never read into memory.
  auto first = source.Get(0);
  REQUIRE(first.has_value());
  CHECK(first->bytes == nullptr);
  REQUIRE(first->file);
  CHECK(first->file->stamp().size == 1000);
  CHECK(CheckSegmentBytes(first->statement, Sent(*first)).ok());
  for (uint64_t i = 1; i < 40; ++i) {
    auto other = source.Get(i);
    REQUIRE(other.has_value());
    CHECK(CheckSegmentBytes(other->statement, Sent(*other)).ok());
  }

  // Asked for again: the same statement (signing draws fresh randomness,
  // so a second signature would differ), and no bytes read: the file, open,
  // is the version signed.
  auto again = source.Get(0);
  REQUIRE(again.has_value());
  CHECK(again->statement.sig == first->statement.sig);
  CHECK(again->bytes == nullptr);
  REQUIRE(again->file);
  CHECK(again->file->stamp() == first->file->stamp());
  CHECK(again->Sendable());
  CHECK(CheckSegmentBytes(again->statement, Sent(*again)).ok());
  // Handed out again while that one is held: the same open file.
  auto twice = source.Get(0);
  REQUIRE(twice.has_value());
  CHECK(twice->file == again->file);

  // Rewritten after that: what was handed out can no longer be sent, and
  // the segment is hashed and signed anew, from its file.
  Rewrite(dir / "seg0.ts", std::string(1000, 'y'));
  CHECK_FALSE(again->Sendable());
  auto reread = source.Get(0);
  CheckFromFile(reread, std::string(1000, 'y'));
  CHECK(reread->statement.sig != first->statement.sig);

  // The file is rewritten to the same size: its new bytes get a new statement.
  Rewrite(dir / "seg0.ts", std::string(1000, 'z'));
  for (uint64_t i = 1; i < 40; ++i) REQUIRE(source.Get(i).has_value());
  auto changed = source.Get(0);
  CheckFromFile(changed, std::string(1000, 'z'));
  CHECK(changed->statement.sig != first->statement.sig);
  CHECK(changed->statement.sig != reread->statement.sig);
}

}  // namespace tollstream
