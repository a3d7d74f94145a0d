// Ingest over RTMP and SRT (peer broadcast --ingest): a sender with a wrong
// key is refused and nothing is announced; the right one is sold, and what
// a viewer reads decodes frame for frame to what was sent (copied, not
// encoded again); a sender that leaves and comes back goes on in the same
// stream, marked as a discontinuity, which ends after --ingest-timeout
// without one.
#include <sstream>

#include "tests/peer/peer_fixture.h"
#include "tests/support/free_port.h"

namespace tollstream::test {
namespace {

// The checksum of each decoded video frame of `input`, in order.
std::vector<std::string> VideoFrames(const std::string& input) {
  std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error",
                                   "-nostdin"};
  // A playlist is read from its first segment, not near its end.
  if (input.ends_with(".m3u8")) argv.insert(argv.end(), {"-live_start_index", "0"});
  // Every frame decoded, whatever its timestamp (they restart where a
  // streamer came back).
  argv.insert(argv.end(),
              {"-i", input, "-map", "0:v", "-fps_mode", "passthrough", "-f", "framemd5", "-"});
  auto [status, out] = RunCommand(argv, 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg could not read " << input);
  std::vector<std::string> packets;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    // stream, dts, pts, duration, size, hash: size and hash are the frame's.
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string f; std::getline(split, f, ',');)
      fields.push_back(f.substr(f.find_first_not_of(' ')));
    REQUIRE(fields.size() >= 6);
    packets.push_back(fields[4] + " " + fields[5]);
  }
  return packets;
}

// ffmpeg sending `file` in real time to `url`, as OBS would (FLV over
// RTMP, MPEG-TS over SRT).
std::unique_ptr<Process> Send(const std::string& file, const std::string& url,
                              const std::string& log) {
  std::string format = url.starts_with("rtmp://") ? "flv" : "mpegts";
  return std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
                               "-re", "-i", file, "-c", "copy", "-f", format, url},
      log);
}

// How a streamer reaches the node: the node's --ingest, the sender's URLs
// with the right and a wrong key, and what the node logs when the streamer
// leaves and when it may come back.
struct Ingest {
  std::string ingest, right, wrong;
  std::string refused, left, listening_again;
};

void RunIngest(const Ingest& how) {
  TempDir dir;
  // What the streamer sends: H.264 with a keyframe every 2 s, and AAC.
  std::string sent = dir / "sent.ts";
  auto args = TestPatternArgs(6, false);
  for (std::string a : {"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
                        "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", "-f", "mpegts"})
    args.push_back(a);
  args.push_back(sent);
  REQUIRE(RunCommand(args, 60s).first == 0);

  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 1000);
  Process broadcaster(
      {BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path, "--stream", "live",
       "--price", "2", "--listen", "127.0.0.1:0", "--ingest", how.ingest, "--ingest-timeout", "15"},
      dir / "b.log");
  REQUIRE(broadcaster.WaitForLine("listening for the streamer at ", 30s).has_value());

  // The wrong key: refused by the node's ingest, which says so; nothing is
  // sold. (Sent again while the listener is still starting: a sender that
  // finds no one listening is not the refusal looked for.)
  auto refused = [&] {
    return ReadWholeFile(dir / "b.log").value_or("").find(how.refused) != std::string::npos;
  };
  for (int attempt = 0; attempt < 10 && !refused(); ++attempt) {
    auto wrong = Send(sent, how.wrong, dir / "wrong.log");
    CHECK(wrong->Wait(30s) != 0);
    for (int i = 0; i < 20 && !refused(); ++i) std::this_thread::sleep_for(100ms);
  }
  CHECK(refused());
  CHECK(Announced(t) == 0);
  CHECK(broadcaster.running());

  // The right key: announced once the first segment exists, and bought.
  auto right = Send(sent, how.right, dir / "right.log");
  REQUIRE_MESSAGE(broadcaster.WaitForLine("broadcasting live at ", 30s).has_value(),
                  ReadWholeFile(dir / "b.log").value_or(""));
  ViewerProcess viewer(t, c, "live", 500, {}, dir / "c.log");
  CHECK(right->Wait(60s) == 0);
  // The streamer comes back while the viewer buys: the same stream goes on.
  for (int i = 0; i < 100; ++i) {
    if (ReadWholeFile(dir / "b.log").value_or("").find(how.listening_again) != std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(500ms);  // listening again
  auto again = Send(sent, how.right, dir / "again.log");
  CHECK(again->Wait(60s) == 0);
  // Then no one: the stream ends after 15 s, and the viewer settles.
  CHECK(broadcaster.WaitForLine("no streamer for 15 s: the stream ended", 45s).has_value());
  auto settled = viewer.process.WaitForLine("settled: ", 60s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  std::string log = ReadWholeFile(dir / "b.log").value_or("");
  CHECK(log.find(how.left) != std::string::npos);
  // The stream key is never in the log (ffmpeg prints its URL), nor said.
  CHECK(log.find("the-stream-key") == std::string::npos);
  CHECK(broadcaster.output().find("the-stream-key") == std::string::npos);

  // What the viewer serves decodes frame for frame to what was sent: a run
  // of the first session's frames (the viewer may have joined after the
  // first ones; the last ones a sender sends as it hangs up may be lost on
  // the way), then the second session's, from its first frame to its end.
  std::vector<std::string> once = VideoFrames(sent);
  std::vector<std::string> got = VideoFrames(viewer.playlist_url);
  REQUIRE(!got.empty());
  size_t next = std::find(once.begin(), once.end(), got[0]) - once.begin();
  REQUIRE_MESSAGE(next < once.size(), "the viewer's first frame was not sent: " << got[0]);
  // At the end of the first session, the frames whose packets were lost
  // (and up to 3 that referred to them) may be missing or decode otherwise.
  int sessions = 1;
  size_t mismatch = got.size();
  for (size_t i = 0; i < got.size(); ++i) {
    if (next < once.size() && got[i] == once[next]) {
      ++next;
      continue;
    }
    size_t back = i;
    while (back < got.size() && back < i + 4 && got[back] != once[0]) ++back;
    if (sessions == 1 && back < got.size() && got[back] == once[0] && next + 6 >= once.size()) {
      ++sessions;  // the streamer came back
      i = back;
      next = 1;
    } else {
      mismatch = i;
      break;
    }
  }
  // Likewise at the end of the second: its last frames may decode otherwise.
  bool tail = sessions == 2 && next + 6 >= once.size() && got.size() - mismatch <= 4;
  CHECK_MESSAGE((mismatch == got.size() || tail),
                "frame " << mismatch << " of " << got.size() << " is not what was sent");
  CHECK(sessions == 2);
  // The second session from its first frame, to all but the last few a
  // sender sends as it hangs up (SRT drops what is in flight at its close).
  CHECK(next + 6 >= once.size());
  // Players are told where the streamer came back: a discontinuity, once.
  int marks = 0;
  for (const auto& segment : ViewerPlaylist(viewer).segments) marks += segment.discontinuity;
  CHECK(marks == 1);
  CHECK(Balance(t, c.address()) < 1000);
}

}  // namespace

TEST_CASE("SRT ingest: the passphrase is the key; frames arrive as sent; a sender may come back") {
  std::string at = "srt://127.0.0.1:" + std::to_string(FreeLoopbackPort(SOCK_DGRAM));
  RunIngest({at + "?passphrase=the-stream-key", at + "?passphrase=the-stream-key",
             at + "?passphrase=not-the-key-at-all", "Incorrect passphrase",
             "the streamer left; listening again", "ffmpeg restarted (restart 1)"});
}

TEST_CASE("RTMP ingest, as OBS sends: the stream key is checked; frames arrive as sent") {
  std::string at = "rtmp://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/live/";
  RunIngest({at + "the-stream-key", at + "the-stream-key", at + "not-the-key-at-all",
             "refused a streamer from 127.0.0.1: not the stream key", "the streamer left",
             "the streamer left"});
}

}  // namespace tollstream::test
