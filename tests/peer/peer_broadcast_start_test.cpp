// A broadcasting node sells nothing before it exists: it announces a stream
// only once its first segment is written; a source it cannot open, a
// master playlist or fMP4 segments are refused at once, with nothing
// announced; a node started before its encoder follows whatever playlist
// appears; an encoder killed mid-stream is restarted, and the stream goes
// on.
#include <dirent.h>

#include <fstream>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// `peer broadcast` that must stop at once: its exit status and stderr.
std::pair<int, std::string> Refused(TrackerFixture& t, const KeyFile& key,
                                    std::vector<std::string> source, const std::string& log) {
  std::vector<std::string> argv = {
      BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key",    key.path,
      "--stream",         "refused",   "--price",   "2",     "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), source.begin(), source.end());
  Process p(argv, log);
  int status = p.Wait(20s);
  return {status, ReadWholeFile(log).value_or("")};
}

// The ffmpeg the node at `pid` runs.
pid_t EncoderOf(pid_t pid) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  for (int i = 0; i < 100; ++i) {
    if (DIR* d = ::opendir(dir.c_str())) {
      for (dirent* e; (e = ::readdir(d)) != nullptr;) {
        std::ifstream children(dir + "/" + e->d_name + "/children");
        pid_t child = 0;
        if (children >> child) {
          ::closedir(d);
          return child;
        }
      }
      ::closedir(d);
    }
    std::this_thread::sleep_for(50ms);
  }
  return 0;
}

}  // namespace

TEST_CASE("a source that cannot be opened, a master playlist, fMP4: refused at once") {
  TempDir dir;
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  auto missing = Refused(t, b, {"--source", dir / "no-such.mp4"}, dir / "missing.log");
  CHECK(missing.first == 2);
  CHECK(missing.second.find("no-such.mp4: no such file") != std::string::npos);
  // A file ffmpeg cannot read as video: its own words say why.
  std::ofstream(dir / "notes.mp4") << "not a video\n";
  auto unreadable = Refused(t, b, {"--source", dir / "notes.mp4"}, dir / "unreadable.log");
  CHECK(unreadable.first == 2);
  CHECK(unreadable.second.find("ffmpeg ended (status 1) before the first segment: ") !=
        std::string::npos);
  // A master playlist, and fMP4 segments.
  std::filesystem::create_directories(dir / "master");
  std::ofstream(dir / "master/master.m3u8")
      << "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n";
  auto master = Refused(t, b, {"--hls-dir", dir / "master"}, dir / "master.log");
  CHECK(master.first == 2);
  CHECK(master.second.find("is a master playlist") != std::string::npos);
  std::filesystem::create_directories(dir / "fmp4");
  auto made = RunCommand({"/usr/bin/ffmpeg",
                          "-hide_banner",
                          "-loglevel",
                          "error",
                          "-nostdin",
                          "-f",
                          "lavfi",
                          "-i",
                          "testsrc=size=160x120:rate=25",
                          "-t",
                          "3",
                          "-c:v",
                          "libx264",
                          "-f",
                          "hls",
                          "-hls_segment_type",
                          "fmp4",
                          "-hls_time",
                          "2",
                          "-hls_list_size",
                          "0",
                          dir / "fmp4/index.m3u8"},
                         60s);
  REQUIRE(made.first == 0);
  auto fmp4 = Refused(t, b, {"--hls-dir", dir / "fmp4"}, dir / "fmp4.log");
  CHECK(fmp4.first == 2);
  CHECK(fmp4.second.find("fMP4/CMAF") != std::string::npos);
  CHECK(Announced(t) == 0);
}

TEST_CASE("a node started before its encoder announces once the first segment is written") {
  TempDir dir;
  std::string hls = dir / "hls";
  std::filesystem::create_directories(hls);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  Process broadcaster(
      {BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path, "--stream", "late",
       "--price", "2", "--hls-dir", hls, "--listen", "127.0.0.1:0"},
      dir / "b.log");
  std::this_thread::sleep_for(1500ms);
  CHECK(broadcaster.running());
  CHECK(Announced(t) == 0);  // nothing to sell yet
  // The encoder comes, writing a playlist of another name than index.m3u8.
  auto args = TestPatternArgs(6, true);
  auto out = HlsOutputArgs(hls);
  out.back() = hls + "/live.m3u8";
  args.insert(args.end(), out.begin(), out.end());
  Process encoder(args, dir / "ffmpeg.log");
  REQUIRE_MESSAGE(broadcaster.WaitForLine("broadcasting late at ", 30s).has_value(),
                  ReadWholeFile(dir / "b.log").value_or(""));
  CHECK(Announced(t) == 1);
  ViewerProcess viewer(t, c, "late", 50, {}, dir / "c.log");
  auto settled = viewer.process.WaitForLine("settled: ", 60s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  CHECK(settled->starts_with("paid "));
  CHECK(settled->find(" for 0 segments") == std::string::npos);
}

TEST_CASE("an encoder killed mid-stream is restarted, and the stream goes on") {
  TempDir dir;
  std::string file = dir / "source.mp4";
  auto args = TestPatternArgs(12, false);
  for (std::string a : {"-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"}) args.push_back(a);
  args.push_back(file);
  REQUIRE(RunCommand(args, 60s).first == 0);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 1000);
  BroadcasterProcess broadcaster(t, b, "again", 2, {"--source", file}, dir / "b.log");
  ViewerProcess viewer(t, c, "again", 500, {}, dir / "c.log");
  // Two segments in, the encoder dies.
  for (int i = 0; i < 200 && ViewerPlaylist(viewer).segments.size() < 2; ++i)
    std::this_thread::sleep_for(50ms);
  REQUIRE(ViewerPlaylist(viewer).segments.size() >= 2);
  pid_t ffmpeg = EncoderOf(broadcaster.process.pid());
  REQUIRE(ffmpeg > 0);
  ::kill(ffmpeg, SIGKILL);
  size_t before = ViewerPlaylist(viewer).segments.size();
  auto settled = viewer.process.WaitForLine("settled: ", 90s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  std::string log = ReadWholeFile(dir / "b.log").value_or("");
  CHECK(log.find("ffmpeg exited with status 137") != std::string::npos);
  CHECK(log.find("restarting it in 1 s (restart 1)") != std::string::npos);
  CHECK(log.find("ffmpeg restarted (restart 1)") != std::string::npos);
  // The stream went on after the restart: the restarted encoder's segments
  // (the file again, 4 of them) came after the ones before the kill.
  HlsPlaylist got = ViewerPlaylist(viewer);
  CHECK(got.segments.size() >= before + 4);
  // Players are told: the restarted encoder's timestamps start anew.
  int marks = 0;
  for (const auto& segment : got.segments) marks += segment.discontinuity;
  CHECK(marks == 1);
}

}  // namespace tollstream::test
