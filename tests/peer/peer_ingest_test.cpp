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
  std::string packager;  // what the status page names
};

// How many of its last frames a sender that hangs up may lose on the way:
// SRT's live mode closes without lingering, dropping what is in flight
// (up to about half a second was seen).
constexpr size_t kLostAtClose = 25;

void RunIngest(const Ingest& how) {
  TempDir dir;
  // What the streamer sends: H.264 with a keyframe every 2 s, and AAC; 30 s
  // the first time (killed long before its end), its first 10 s (the same
  // packets) when it comes back.
  std::string first = dir / "first.ts";
  std::string sent = dir / "sent.ts";
  auto args = TestPatternArgs(30, false);
  for (std::string a : {"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-g", "50",
                        "-keyint_min", "50", "-sc_threshold", "0", "-c:a", "aac", "-f", "mpegts"})
    args.push_back(a);
  args.push_back(first);
  REQUIRE(RunCommand(args, 120s).first == 0);
  REQUIRE(RunCommand({"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i",
                      first, "-c", "copy", "-frames:v", "250", "-f", "mpegts", sent},
                     60s)
              .first == 0);

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
  auto right = Send(first, how.right, dir / "right.log");
  REQUIRE_MESSAGE(broadcaster.WaitForLine("broadcasting live at ", 30s).has_value(),
                  ReadWholeFile(dir / "b.log").value_or(""));
  ViewerProcess viewer(t, c, "live", 500, {}, dir / "c.log");
  std::string status = StatusPageOf(broadcaster);
  // The status page shows the streamer sending (RTMP says from where).
  json arriving = IngestOnPage(
      status, [&](const json& i) { return how.packager != "nginx" || !i["sender"].is_null(); });
  CHECK(arriving["from"] == how.ingest.substr(0, how.ingest.find(':')));
  CHECK(arriving["state"] == "receiving");
  CHECK(arriving["packager"] == how.packager);
  if (how.packager == "nginx") CHECK_MESSAGE(arriving["sender"] == "127.0.0.1", arriving.dump());
  // The streamer's sender dies mid-stream, once the viewer has bought.
  for (int i = 0; i < 100 && ViewerPlaylist(viewer).segments.empty(); ++i)
    std::this_thread::sleep_for(100ms);
  REQUIRE(!ViewerPlaylist(viewer).segments.empty());
  REQUIRE(right->running());
  right->Signal(SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  CHECK(right->Wait(10s) != 0);
  // Its viewers are told, and so is the status page (an SRT listener
  // notices a dead sender only after its idle timeout, 5 s).
  CHECK(viewer.process.WaitForLine("the source says: waiting for the streamer", 20s).has_value());
  json away = IngestOnPage(
      status, [](const json& i) { return i["state"] == "waiting"; }, 20s);
  CHECK(away["state"] == "waiting");
  CHECK(away["sender"].is_null());
  // It comes back 5 s after it died (or once the node said it waits),
  // trying until the node takes it, as OBS does.
  std::this_thread::sleep_until(killed + 5s);
  int tries = 0;
  for (bool sent_whole = false; !sent_whole && tries < 10; ++tries) {
    auto again = Send(sent, how.right, dir / ("again" + std::to_string(tries) + ".log"));
    sent_whole = again->Wait(60s) == 0;
    if (!sent_whole) std::this_thread::sleep_for(500ms);
  }
  CHECK(tries < 10);
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
  // first ones; the sender was killed in the middle, and what it had in
  // flight is lost), then the second session's, from its first frame to
  // its end.
  std::vector<std::string> once = VideoFrames(first);
  std::vector<std::string> again_frames = VideoFrames(sent);  // the first ones of `once`
  size_t again_size = again_frames.size();
  REQUIRE(again_size <= once.size());
  REQUIRE(std::equal(again_frames.begin(), again_frames.end(), once.begin()));
  std::vector<std::string> got = VideoFrames(viewer.playlist_url);
  REQUIRE(!got.empty());
  size_t next = std::find(once.begin(), once.end(), got[0]) - once.begin();
  REQUIRE_MESSAGE(next < once.size(), "the viewer's first frame was not sent: " << got[0]);
  // At the kill, the frames whose packets were lost (and up to 3 that
  // referred to them) may be missing or decode otherwise.
  int sessions = 1;
  size_t mismatch = got.size();
  for (size_t i = 0; i < got.size(); ++i) {
    if (next < once.size() && got[i] == once[next]) {
      ++next;
      continue;
    }
    size_t back = i;
    while (back < got.size() && back < i + 4 && got[back] != once[0]) ++back;
    if (sessions == 1 && back < got.size() && got[back] == once[0]) {
      ++sessions;  // the streamer came back
      i = back;
      next = 1;
    } else {
      mismatch = i;
      break;
    }
  }
  // Likewise at the end of the second: its last frames may decode otherwise.
  bool tail = sessions == 2 && next + kLostAtClose >= again_size && got.size() - mismatch <= 4;
  CHECK_MESSAGE((mismatch == got.size() || tail),
                "frame " << mismatch << " of " << got.size() << " is not what was sent");
  CHECK(sessions == 2);
  // The second session from its first frame, to all but the last few a
  // sender sends as it hangs up.
  CHECK(next + kLostAtClose >= again_size);
  CHECK(next <= again_size);
  // Players are told where the streamer came back: a discontinuity, once.
  HlsPlaylist served = ViewerPlaylist(viewer);
  int marks = 0;
  for (const auto& segment : served.segments) marks += segment.discontinuity;
  CHECK(marks == 1);
  // One contract held across the gap, and every segment paid once: what
  // the viewer serves is what it settled, at the price each plus the
  // opening charge, and the tracker took exactly that.
  std::string base = viewer.playlist_url.substr(0, viewer.playlist_url.find('/', 7));
  CHECK(CounterValue(base, "tollstream_viewer_contracts_total") == 1);
  uint64_t paid = (served.segments.size() + 1) * 2;
  CHECK_MESSAGE(settled->starts_with("paid " + std::to_string(paid) + " for " +
                                     std::to_string(served.segments.size()) + " segments"),
                *settled);
  CHECK(Balance(t, c.address()) == 1000 - paid);

  // What the status page saw arrive: the keyframe interval sent (2 s), the
  // bitrate sent, and the packager started again for the second session.
  json seen = IngestOnPage(status, [](const json& i) { return i["state"] == "ended"; });
  CHECK_MESSAGE(seen["state"] == "ended", seen.dump());
  CHECK(seen["keyframe_interval_ms"] == 2000);
  int64_t sent_kbps = static_cast<int64_t>(std::filesystem::file_size(first) * 8 / 30'000);
  CHECK_MESSAGE(seen["bitrate_kbps"].get<int64_t>() * 2 > sent_kbps, seen.dump());
  CHECK_MESSAGE(seen["bitrate_kbps"].get<int64_t>() < sent_kbps * 2, seen.dump());
  // ffmpeg's SRT listener is started again after each sender; nginx never.
  if (how.packager == "ffmpeg") CHECK(seen["restarts"].get<int>() >= 1);
  if (how.packager == "nginx") CHECK(seen["restarts"] == 0);
}

}  // namespace

TEST_CASE("SRT ingest: the passphrase is the key; frames arrive as sent; a sender may come back") {
  std::string at = "srt://127.0.0.1:" + std::to_string(FreeLoopbackPort(SOCK_DGRAM));
  RunIngest({at + "?passphrase=the-stream-key", at + "?passphrase=the-stream-key",
             at + "?passphrase=not-the-key-at-all", "Incorrect passphrase",
             "the streamer left; listening again", "ffmpeg restarted (restart 1)", "ffmpeg"});
}

TEST_CASE("RTMP ingest, as OBS sends: the stream key is checked; frames arrive as sent") {
  std::string at = "rtmp://127.0.0.1:" + std::to_string(FreeLoopbackPort()) + "/live/";
  RunIngest({at + "the-stream-key", at + "the-stream-key", at + "not-the-key-at-all",
             "refused a streamer from 127.0.0.1: not the stream key", "the streamer left",
             "the streamer left", "nginx"});
}

}  // namespace tollstream::test
