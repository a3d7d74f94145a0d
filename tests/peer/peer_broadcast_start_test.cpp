// A broadcasting node sells nothing before it exists: it announces a stream
// only once its first segment is written; a source it cannot open, a
// master playlist or fMP4 segments are refused at once, with nothing
// announced; a node started before its encoder follows whatever playlist
// appears; an encoder killed mid-stream is restarted, and the stream goes
// on; keyframes further apart than a segment are pointed out.
#include <dirent.h>

#include <fstream>

#include "tests/peer/peer_fixture.h"
#include "tests/support/free_port.h"

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
  // An ffmpeg that cannot be run at all (found first on PATH, not a
  // program): why exec failed, at once.
  std::filesystem::create_directories(dir / "bin");
  std::ofstream(dir / "bin/ffmpeg") << "not a program\n";
  std::filesystem::permissions(dir / "bin/ffmpeg", std::filesystem::perms::owner_all);
  std::string path = std::getenv("PATH");
  ::setenv("PATH", (dir / "bin:" + path).c_str(), 1);
  auto unrunnable = Refused(t, b, {"--source", dir / "notes.mp4"}, dir / "unrunnable.log");
  ::setenv("PATH", path.c_str(), 1);
  CHECK(unrunnable.first == 2);
  CHECK_MESSAGE(unrunnable.second.find("cannot run " + dir / "bin/ffmpeg: Exec format error") !=
                    std::string::npos,
                unrunnable.second);
  // A master playlist whose variant says no RESOLUTION (no rendition
  // without its height), and fMP4 segments.
  std::filesystem::create_directories(dir / "master");
  std::ofstream(dir / "master/master.m3u8")
      << "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\nlow/index.m3u8\n";
  auto master = Refused(t, b, {"--hls-dir", dir / "master"}, dir / "master.log");
  CHECK(master.first == 2);
  CHECK_MESSAGE(
      master.second.find("variant low/index.m3u8 needs a RESOLUTION") != std::string::npos,
      master.second);
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

  // A playlist that stops parsing is said to (once it stayed so for 2 s),
  // and so is its return.
  std::string good = *ReadWholeFile(hls + "/live.m3u8");
  std::ofstream(hls + "/live.m3u8") << "#EXTM3U\n#EXTINF:two seconds,\nseg000.ts\n";
  auto logged = [&](const std::string& what) {
    for (int i = 0; i < 100; ++i) {
      if (ReadWholeFile(dir / "b.log").value_or("").find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(100ms);
    }
    return false;
  };
  CHECK(logged("live.m3u8: playlist line 2: bad #EXTINF duration (nothing after it is sold"));
  std::ofstream(hls + "/live.m3u8") << good;
  CHECK(logged("live.m3u8 reads again"));
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

TEST_CASE("keyframes further apart than a segment: the streamer is told how to set them") {
  TempDir dir;
  std::string hls = dir / "hls";
  std::filesystem::create_directories(hls);
  // A keyframe every 4 s (100 frames at 25 a second): every segment is 4 s.
  auto args = TestPatternArgs(12, false);
  auto out = HlsOutputArgs(hls);
  for (size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == "-g" || out[i] == "-keyint_min") out[i + 1] = "100";
  args.insert(args.end(), out.begin(), out.end());
  REQUIRE(RunCommand(args, 60s).first == 0);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");

  // An HLS folder's segments are its encoder's to choose: shown, not faulted.
  Process folder(
      {BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path, "--stream", "folder",
       "--price", "2", "--hls-dir", hls, "--listen", "127.0.0.1:0"},
      dir / "folder.log");
  REQUIRE(folder.WaitForLine("broadcasting folder at ", 30s).has_value());
  json ingest = IngestOnPage(StatusPageOf(folder),
                             [](const json& i) { return i["keyframe_interval_ms"] == 4000; });
  CHECK(ingest["from"] == "hls-dir");
  CHECK(ingest["state"] == "ended");
  CHECK(ingest["keyframe_interval_ms"] == 4000);
  CHECK(ingest["bitrate_kbps"].get<int64_t>() > 0);
  CHECK(ingest["packager"].is_null());
  CHECK(ingest["sender"].is_null());
  folder.Signal(SIGINT);
  CHECK(folder.Wait(30s) == 0);
  CHECK(folder.output().find("keyframes arrive") == std::string::npos);

  // A streamer sending them over SRT: told once, with the setting to change.
  std::string sent = dir / "sent.ts";
  REQUIRE(RunCommand({"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i",
                      hls + "/index.m3u8", "-c", "copy", "-f", "mpegts", sent},
                     60s)
              .first == 0);
  std::string at = "srt://127.0.0.1:" + std::to_string(FreeLoopbackPort(SOCK_DGRAM)) +
                   "?passphrase=a-long-stream-key";
  Process node({BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path, "--stream",
                "sent", "--price", "2", "--ingest", at, "--listen", "127.0.0.1:0"},
               dir / "node.log");
  REQUIRE(node.WaitForLine("listening for the streamer at ", 30s).has_value());
  bool sent_whole = false;
  for (int tries = 0; !sent_whole && tries < 10; ++tries) {  // until the listener is up
    Process sender({"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                    "-i", sent, "-c", "copy", "-f", "mpegts", at},
                   dir / "sender.log");
    sent_whole = sender.Wait(60s) == 0;
  }
  REQUIRE(sent_whole);
  auto said = node.WaitForLine("keyframes arrive 4.0 s apart", 10s);
  REQUIRE_MESSAGE(said.has_value(), node.output());
  CHECK(said->find("set the encoder's keyframe interval to 2 s") != std::string::npos);
  node.Signal(SIGINT);
  CHECK(node.Wait(30s) == 0);
  // Said once, not at every segment.
  std::string all = node.output();
  CHECK(all.find("keyframes arrive") == all.rfind("keyframes arrive"));
}

TEST_CASE("a node killed outright leaves no packager behind") {
  TempDir dir;
  std::string video = dir / "pattern.ts";
  auto args = TestPatternArgs(60, false);
  for (std::string a : {"-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-f", "mpegts"})
    args.push_back(a);
  args.push_back(video);
  REQUIRE(RunCommand(args, 120s).first == 0);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  std::string rtmp =
      "rtmp://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/live/the-key-1234";
  for (std::vector<std::string> from :
       {std::vector<std::string>{"--source", video}, std::vector<std::string>{"--ingest", rtmp}}) {
    CAPTURE(from[0]);
    std::vector<std::string> argv = {
        BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key",    b.path,
        "--stream",         "killed",    "--price",   "2",     "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), from.begin(), from.end());
    Process node(argv, dir / "node.log");
    pid_t packager = EncoderOf(node.pid());
    REQUIRE(packager > 0);
    std::this_thread::sleep_for(500ms);  // running, whatever it does
    node.Signal(SIGKILL);
    node.Wait(10s);
    // Gone (or a zombie for whoever adopted it to reap), not working on.
    auto alive = [&] {
      std::ifstream stat("/proc/" + std::to_string(packager) + "/stat");
      std::string pid, name, state;
      return (stat >> pid >> name >> state) && state != "Z";
    };
    for (int i = 0; i < 100 && alive(); ++i) std::this_thread::sleep_for(50ms);
    CHECK_FALSE(alive());
  }
}

}  // namespace tollstream::test
