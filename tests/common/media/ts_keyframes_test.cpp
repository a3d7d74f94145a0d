#include "common/media/ts_keyframes.h"

#include <doctest/doctest.h>

#include "common/base/files.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream {
namespace {

using namespace std::chrono_literals;

// 6 s of H.264 (25 frames a second, a keyframe every `gop` frames) and
// AAC in MPEG-TS, made by ffmpeg; `extra` adds to its output options.
std::string MakeTs(const test::TempDir& dir, int gop, std::vector<std::string> extra = {}) {
  std::string path = dir / ("gop" + std::to_string(gop) + ".ts");
  std::vector<std::string> argv = {"/usr/bin/ffmpeg",
                                   "-hide_banner",
                                   "-loglevel",
                                   "error",
                                   "-nostdin",
                                   "-f",
                                   "lavfi",
                                   "-i",
                                   "testsrc=size=160x120:rate=25",
                                   "-f",
                                   "lavfi",
                                   "-i",
                                   "sine=frequency=440:sample_rate=44100",
                                   "-t",
                                   "6",
                                   "-c:v",
                                   "libx264",
                                   "-preset",
                                   "ultrafast",
                                   "-g",
                                   std::to_string(gop),
                                   "-keyint_min",
                                   std::to_string(gop),
                                   "-sc_threshold",
                                   "0",
                                   "-c:a",
                                   "aac"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.end(), {"-f", "mpegts", "-y", path});
  REQUIRE(test::RunCommand(argv, 60s).first == 0);
  auto bytes = ReadWholeFile(path);
  REQUIRE(bytes.has_value());
  return *bytes;
}

}  // namespace

TEST_CASE("finds ffmpeg's keyframes, 90 kHz apart as encoded") {
  test::TempDir dir;
  for (int gop : {25, 50}) {
    CAPTURE(gop);
    TsKeyframes k = ScanTsKeyframes(MakeTs(dir, gop));
    CHECK(k.video);
    REQUIRE(k.keyframe_pts.size() == static_cast<size_t>(150 / gop));
    for (size_t i = 1; i < k.keyframe_pts.size(); ++i)
      CHECK(k.keyframe_pts[i] - k.keyframe_pts[i - 1] == gop * 90000 / 25);
    REQUIRE(k.first_pts.has_value());
    CHECK(k.keyframe_pts[0] == *k.first_pts);
    CHECK(*k.last_pts - *k.first_pts == 149 * 3600);  // 150 frames, 1/25 s each
  }
}

TEST_CASE("audio alone has no video and no keyframes") {
  test::TempDir dir;
  TsKeyframes k = ScanTsKeyframes(MakeTs(dir, 25, {"-vn"}));
  CHECK_FALSE(k.video);
  CHECK(k.keyframe_pts.empty());
  CHECK_FALSE(k.first_pts.has_value());
}

TEST_CASE("what is not MPEG-TS, or cut anywhere, is read as far as it goes") {
  test::TempDir dir;
  std::string ts = MakeTs(dir, 25);
  size_t whole = ScanTsKeyframes(ts).keyframe_pts.size();
  CHECK(ScanTsKeyframes("").keyframe_pts.empty());
  CHECK(ScanTsKeyframes(std::string(1000, 'G')).keyframe_pts.empty());
  CHECK(ScanTsKeyframes(std::string(188 * 4, '\x47')).keyframe_pts.empty());
  // A cut reads no more keyframes than the whole.
  for (size_t cut = 0; cut < ts.size(); cut += 997) {
    TsKeyframes k = ScanTsKeyframes(std::string_view(ts).substr(0, cut));
    CHECK(k.keyframe_pts.size() <= whole);
  }
  // Damaged bytes anywhere are never read past their packet (the sanitizer
  // build checks), and the keyframes found stay few (at most one a frame).
  std::string damaged = ts;
  for (size_t i = 3; i < damaged.size(); i += 61) damaged[i] = static_cast<char>(damaged[i] ^ 0xa5);
  CHECK(ScanTsKeyframes(damaged).keyframe_pts.size() <= 150);
}

}  // namespace tollstream
