// What making renditions costs a broadcasting node: the CPU seconds per
// second of video of `peer broadcast --source FILE --renditions …` (the
// one ffmpeg it runs, in real time, and the node itself from its first
// announcement on: following the playlists, hashing and signing, its
// status page), next to ffmpeg alone making the same ladder from the same
// file with the same arguments, in real time as the node runs it (and, for
// comparison, as fast as it goes), in the same run. The ratio (ffmpeg alone
// in real time over the node) says what the node adds.
//   ladder_bench [--quick]
#include <sys/resource.h>

#include <thread>

#include "peer/broadcast/ladder.h"
#include "peer/watch/broadcaster_client.h"
#include "tests/bench/bench_util.h"
#include "tests/peer/peer_fixture.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

constexpr const char* kLadder = "360p:1500k,240p:700k,144p:250k";

// Whether process `pid` has a child alive (or not yet waited for).
bool HasChild(pid_t pid) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t parent = 0;
    if (ProcessCpuSeconds(static_cast<pid_t>(std::stol(name)), false, &parent) >= 0 &&
        parent == pid) {
      return true;
    }
  }
  return false;
}

double ChildrenCpu() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  auto s = [](timeval t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return s(u.ru_utime) + s(u.ru_stime);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  int seconds = quick ? 6 : 20;
  TempDir dir;
  std::string source = dir / "source.mp4";
  auto make = TestPatternArgs(seconds, false, "testsrc=size=640x360:rate=25");
  make.insert(make.end(), {"-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", source});
  auto [made, made_out] = RunCommand(make, std::chrono::minutes(5));
  if (made != 0) {
    std::fprintf(stderr, "ffmpeg could not make the source: %s\n", made_out.c_str());
    return 1;
  }
  auto ladder = *ParseRenditions(kLadder);

  // ffmpeg alone, with the node's own arguments: in real time, as the node
  // runs it (a live encoder's pace: the ceiling), and as fast as it goes.
  auto alone = [&](bool realtime, double* wall) -> std::optional<double> {
    std::vector<std::string> args = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error",
                                     "-nostdin"};
    if (realtime) args.push_back("-re");
    args.insert(args.end(), {"-i", source});
    std::filesystem::path out = dir / (realtime ? "realtime" : "fast");
    for (const auto& r : ladder) std::filesystem::create_directories(out / r.name);
    auto outputs = LadderArguments(ladder, out, 2, "independent_segments+temp_file");
    args.insert(args.end(), outputs.begin(), outputs.end());
    double before = ChildrenCpu();
    auto started = Clock::now();
    auto [status, said] = RunCommand(args, std::chrono::minutes(10));
    *wall = Seconds(Clock::now() - started);
    if (status != 0) {
      std::fprintf(stderr, "ffmpeg alone failed: %s\n", said.c_str());
      return std::nullopt;
    }
    return ChildrenCpu() - before;
  };
  double alone_wall = 0, fast_wall = 0;
  auto alone_cpu = alone(/*realtime=*/true, &alone_wall);
  auto fast_cpu = alone(/*realtime=*/false, &fast_wall);
  if (!alone_cpu || !fast_cpu) return 1;
  // The node, encoding in real time, until its ffmpeg has ended the stream.
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess node(t, b, "ladder", 6, {"--source", source, "--renditions", kLadder},
                          dir / "b.log");
  // Its start (key, tracker handshake, first announcement) is not the ladder's cost.
  double node_start = ProcessCpuSeconds(node.process.pid());
  auto client = t.NewClient();
  BroadcasterClient api(node.url, KeyPair::Generate(), *client->tracker(), b.key.public_key(),
                        client->clock_offset());
  bool ended = false;
  auto deadline = Clock::now() + std::chrono::seconds(seconds * 4 + 60);
  while (!ended && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto info = api.Stream("ladder");
    ended = info && info->value("ended", false);
  }
  // Its ffmpeg counts once the node has waited for it (it ends the
  // playlist, then exits, and the node reaps it within a second).
  while (ended && HasChild(node.process.pid()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (!ended || HasChild(node.process.pid())) {
    std::fprintf(stderr, "the node's stream did not end, or its ffmpeg did not\n");
    return 1;
  }
  double node_cpu = ProcessCpuSeconds(node.process.pid(), /*reaped=*/true) - node_start;
  node.process.Signal(SIGINT);
  node.process.Wait(std::chrono::seconds(30));

  double video = seconds;
  Report("transcoding.ladder", {{"renditions", kLadder},
                                {"video_seconds", video},
                                {"ffmpeg_cpu_s_per_video_s", *alone_cpu / video},
                                {"ffmpeg_fast_cpu_s_per_video_s", *fast_cpu / video},
                                {"ffmpeg_fast_speed", video / fast_wall},
                                {"node_cpu_s_per_video_s", node_cpu / video},
                                {"ratio", node_cpu > 0 ? *alone_cpu / node_cpu : 0.0}});
  return 0;
}
