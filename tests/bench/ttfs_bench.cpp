// Time to first segment: from starting `peer watch` to the first segment it
// has bought, checked, paid for and serves to players (the line it prints
// then), on loopback with a broadcaster already selling a stream.
//   ttfs_bench [--quick]
#include <thread>

#include "tests/bench/bench_util.h"
#include "tests/peer/peer_fixture.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const int kRuns = quick ? 2 : 10;
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 6);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "first", 1, {"--hls-dir", hls}, dir / "b.log");
  std::vector<double> ms;
  for (int i = 0; i < kRuns; ++i) {
    KeyFile c = NewKeyFile(dir / ("c" + std::to_string(i) + ".key"));
    t.Mint(c.address(), 100);
    auto start = Clock::now();
    Process viewer({BinaryPath("peer"), "watch", "--tracker", t.url(), "--key", c.path, "--stream",
                    "first", "--budget", "100", "--listen", "127.0.0.1:0"},
                   dir / "c.log");
    auto first = viewer.WaitForLine("segment ", std::chrono::seconds(30));
    if (!first) return 1;
    ms.push_back(Seconds(Clock::now() - start) * 1000);
    viewer.Signal(SIGINT);
    viewer.Wait(std::chrono::seconds(30));
  }
  std::vector<double> sorted = ms;
  Report("first_segment", {{"runs", kRuns},
                           {"p50_ms", Percentile(sorted, 50)},
                           {"max_ms", *std::max_element(ms.begin(), ms.end())},
                           {"goal_ms", 200}});
  return 0;
}
