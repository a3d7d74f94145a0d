// Ingest over SRT (peer broadcast --ingest): a sender with a wrong key is
// refused and nothing is announced; the right one is sold, and what a
// viewer reads is packet for packet what was sent (copied, not encoded
// again); a sender that leaves and comes back goes on in the same stream,
// which ends after --ingest-timeout without one.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// A UDP port free on loopback now.
int FreeUdpPort() {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof a;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &size) == 0);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The size and checksum of each video packet of `input`, in order.
std::vector<std::string> VideoPackets(const std::string& input) {
  std::vector<std::string> argv = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error",
                                   "-nostdin"};
  // A playlist is read from its first segment, not near its end.
  if (input.ends_with(".m3u8")) argv.insert(argv.end(), {"-live_start_index", "0"});
  argv.insert(argv.end(), {"-i", input, "-map", "0:v", "-c", "copy", "-f", "framemd5", "-"});
  auto [status, out] = RunCommand(argv, 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg could not read " << input);
  std::vector<std::string> packets;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    // stream, dts, pts, duration, size, hash[, side data]: size and hash are
    // the packet's own.
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string f; std::getline(split, f, ',');) fields.push_back(f.substr(f.find_first_not_of(' ')));
    REQUIRE(fields.size() >= 6);
    packets.push_back(fields[4] + " " + fields[5]);
  }
  return packets;
}

// ffmpeg sending `file` in real time to `url`, as OBS would.
std::unique_ptr<Process> Send(const std::string& file, const std::string& url,
                              const std::string& log) {
  return std::make_unique<Process>(
      std::vector<std::string>{"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
                               "-re", "-i", file, "-c", "copy", "-f", "mpegts", url},
      log);
}

size_t Announced(TrackerFixture& t) {
  auto c = t.NewClient();
  auto r = c->Call("streams", json::object());
  REQUIRE(r.ok());
  return (*r)["streams"].size();
}

}  // namespace

TEST_CASE("SRT ingest: the key is checked, packets arrive as sent, a sender may come back") {
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
  int port = FreeUdpPort();
  std::string at = "srt://127.0.0.1:" + std::to_string(port);
  Process broadcaster({BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path,
                       "--stream", "live", "--price", "2", "--listen", "127.0.0.1:0", "--ingest",
                       at + "?passphrase=the-stream-key", "--ingest-timeout", "6"},
                      dir / "b.log");
  REQUIRE(broadcaster.WaitForLine("listening for the streamer at ", 30s).has_value());

  // The wrong key: refused by SRT's handshake; nothing is sold.
  auto wrong = Send(sent, at + "?passphrase=not-the-key-at-all", dir / "wrong.log");
  CHECK(wrong->Wait(30s) != 0);
  CHECK(Announced(t) == 0);
  CHECK(broadcaster.running());

  // The right key: announced once the first segment exists, and bought.
  auto right = Send(sent, at + "?passphrase=the-stream-key", dir / "right.log");
  REQUIRE_MESSAGE(broadcaster.WaitForLine("broadcasting live at ", 30s).has_value(),
                  ReadWholeFile(dir / "b.log").value_or(""));
  ViewerProcess viewer(t, c, "live", 500, {}, dir / "c.log");
  CHECK(right->Wait(60s) == 0);
  // The streamer comes back while the viewer buys: the same stream goes on.
  for (int i = 0; i < 100; ++i) {
    if (ReadWholeFile(dir / "b.log").value_or("").find("ffmpeg restarted (restart 1)") !=
        std::string::npos)
      break;
    std::this_thread::sleep_for(100ms);
  }
  std::this_thread::sleep_for(500ms);  // listening again
  auto again = Send(sent, at + "?passphrase=the-stream-key", dir / "again.log");
  CHECK(again->Wait(60s) == 0);
  // Then no one: the stream ends after 6 s, and the viewer settles.
  CHECK(broadcaster.WaitForLine("no streamer for 6 s: the stream ended", 30s).has_value());
  auto settled = viewer.process.WaitForLine("settled: ", 60s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  std::string log = ReadWholeFile(dir / "b.log").value_or("");
  CHECK(log.find("the streamer left; listening again") != std::string::npos);

  // What the viewer serves is what was sent, packet for packet: a run of
  // the first session's packets (the viewer may have joined after the
  // first ones; the last ones a sender sends as it hangs up may be lost on
  // the way), then the second session's, from its first packet to its end.
  std::vector<std::string> once = VideoPackets(sent);
  std::vector<std::string> got = VideoPackets(viewer.playlist_url);
  REQUIRE(!got.empty());
  size_t next = std::find(once.begin(), once.end(), got[0]) - once.begin();
  REQUIRE_MESSAGE(next < once.size(), "the viewer's first packet was not sent: " << got[0]);
  int sessions = 1;
  size_t mismatch = got.size();
  for (size_t i = 0; i < got.size(); ++i) {
    if (next < once.size() && got[i] == once[next]) {
      ++next;
    } else if (got[i] == once[0] && sessions == 1) {
      ++sessions;  // the streamer came back
      next = 1;
    } else {
      mismatch = i;
      break;
    }
  }
  CHECK_MESSAGE(mismatch == got.size(), "packet " << mismatch << " of " << got.size()
                                                  << " is not what was sent");
  CHECK(sessions == 2);
  // The second session from its first packet, to all but the last few a
  // sender sends as it hangs up (SRT drops what is in flight at its close).
  CHECK(next + 3 >= once.size());
  CHECK(Balance(t, c.address()) < 1000);
}

}  // namespace tollstream::test
