// How many concurrent live viewers one broadcasting node serves with no
// viewer falling behind the live edge: 4 Mb/s streams in 2-second segments
// (1 MB of real H.264 each), listed in the playlist one every 2 s as an
// encoder would, each viewer buying every segment as it appears.
//   scale_bench [--quick] [--viewers N ...]
// A viewer "falls behind" when a segment reaches it a whole segment duration
// (2 s) or more after it was listed.
#include <atomic>
#include <fstream>
#include <thread>

#include "tests/bench/bench_util.h"
#include "tests/bench/bench_viewer.h"
#include "tests/peer/peer_fixture.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

// Lists one more segment every `period`, like a live encoder.
class LiveWriter {
 public:
  LiveWriter(std::string dir, std::vector<HlsSegment> files)
      : m_dir(std::move(dir)), m_files(std::move(files)), m_listed_at(kMaxSegments) {
    m_playlist.target_duration = 2;
    Append();
  }
  void Append() {
    const auto& f = m_files[m_playlist.segments.size() % m_files.size()];
    m_playlist.segments.push_back({m_playlist.segments.size(), f.duration_ms, f.uri, false});
    // Timed before it is listed: a viewer may get it the moment it is.
    m_listed_at.at(m_playlist.segments.size() - 1) = Clock::now().time_since_epoch().count();
    std::ofstream(m_dir + "/live.m3u8.tmp") << m_playlist.Serialize();
    std::filesystem::rename(m_dir + "/live.m3u8.tmp", m_dir + "/live.m3u8");
  }
  void End() {
    m_playlist.ended = true;
    std::ofstream(m_dir + "/live.m3u8.tmp") << m_playlist.Serialize();
    std::filesystem::rename(m_dir + "/live.m3u8.tmp", m_dir + "/live.m3u8");
  }
  // Read by the viewers' threads while the writer lists more.
  Clock::time_point ListedAt(uint64_t seq) const {
    return Clock::time_point(Clock::duration(m_listed_at.at(seq)));
  }
  uint64_t last() const { return m_playlist.segments.size() - 1; }

 private:
  std::string m_dir;
  std::vector<HlsSegment> m_files;
  HlsPlaylist m_playlist;
  static constexpr size_t kMaxSegments = 1024;
  std::vector<std::atomic<Clock::rep>> m_listed_at;
};

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<size_t> counts;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") quick = true;
    if (a == "--viewers" && i + 1 < argc) counts.push_back(std::stoul(argv[++i]));
  }
  if (counts.empty()) counts = quick ? std::vector<size_t>{10} : std::vector<size_t>{250, 500, 750};
  const uint64_t kSegments = quick ? 2 : 6;  // measured after every viewer joined

  TempDir dir;
  std::string hls = dir / "hls";
  std::filesystem::create_directories(hls);
  auto [made, log] = RunCommand({"/usr/bin/ffmpeg",
                                 "-hide_banner",
                                 "-loglevel",
                                 "error",
                                 "-f",
                                 "lavfi",
                                 "-i",
                                 "testsrc2=size=1280x720:rate=25",
                                 "-t",
                                 "8",
                                 "-c:v",
                                 "libx264",
                                 "-preset",
                                 "ultrafast",
                                 "-b:v",
                                 "4M",
                                 "-minrate",
                                 "4M",
                                 "-maxrate",
                                 "4M",
                                 "-bufsize",
                                 "1M",
                                 "-g",
                                 "50",
                                 "-keyint_min",
                                 "50",
                                 "-sc_threshold",
                                 "0",
                                 "-f",
                                 "hls",
                                 "-hls_time",
                                 "2",
                                 "-hls_list_size",
                                 "0",
                                 "-hls_segment_filename",
                                 hls + "/seg%03d.ts",
                                 hls + "/encoded.m3u8"},
                                std::chrono::minutes(5));
  if (made != 0) return 1;
  auto files = ParseHlsPlaylist(*ReadWholeFile(hls + "/encoded.m3u8"))->segments;

  int status = 0;
  for (size_t viewers : counts) {
    std::filesystem::remove(hls + "/live.m3u8");
    TrackerFixture t;
    KeyFile b = NewKeyFile(dir / ("b" + std::to_string(viewers) + ".key"));
    LiveWriter writer(hls, files);
    BroadcasterProcess broadcaster(t, b, "live", 1, {"--hls-dir", hls, "--playlist", "live.m3u8"},
                                   dir / ("b" + std::to_string(viewers) + ".log"));
    KeyPair minter = t.tracker_key();
    // The encoder lists a segment every 2 s from the start, as a live one
    // does. Viewers join one after another at the live edge and buy every
    // segment from there; once all have joined, the delay from listing to
    // delivery is measured for the next kSegments segments.
    std::atomic<bool> stop{false}, listing{true};
    std::thread encoder([&] {
      auto next = Clock::now() + std::chrono::seconds(2);
      while (listing) {
        std::this_thread::sleep_until(next);
        next += std::chrono::seconds(2);
        if (listing) writer.Append();
      }
    });
    std::vector<std::optional<BenchViewer>> pool(viewers);
    std::atomic<size_t> errors{0}, opened{0};
    std::atomic<uint64_t> measured_from{UINT64_MAX};
    std::vector<std::vector<double>> delays(viewers);
    std::vector<std::thread> threads(viewers);
    auto watch = [&](size_t i) {
      BenchViewer& v = *pool[i];
      while (!stop) {
        size_t n = 0;
        int64_t retry = 0;
        auto step = v.Next(&n, &retry);
        if (step == BenchViewer::Step::kSegment) {
          if (v.last_seq() >= measured_from) {
            delays[i].push_back(Seconds(Clock::now() - writer.ListedAt(v.last_seq())) * 1000);
          }
        } else if (step == BenchViewer::Step::kWait) {
          std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(retry, 500)));
        } else {
          if (step == BenchViewer::Step::kError && errors++ == 0) {
            std::fprintf(stderr, "scale_bench: viewer %zu: %s\n", i, v.error().c_str());
          }
          break;
        }
      }
    };
    auto joining = Clock::now();
    std::vector<std::thread> openers;
    std::atomic<bool> open_failed{false};
    for (size_t k = 0; k < 8; ++k) {
      openers.emplace_back([&, k] {
        for (size_t i = k; i < viewers; i += 8) {
          std::string why;
          pool[i] = BenchViewer::Open(t, minter, "live", 100000, std::nullopt, &why);
          if (!pool[i]) {
            if (!open_failed.exchange(true))
              std::fprintf(stderr, "scale_bench: viewer %zu: %s\n", i, why.c_str());
            continue;
          }
          ++opened;
          threads[i] = std::thread(watch, i);
        }
      });
    }
    for (auto& o : openers) o.join();
    std::fprintf(stderr, "scale_bench: %zu viewers joined in %.1f s\n", viewers,
                 Seconds(Clock::now() - joining));
    {
      measured_from = writer.last() + 1;
      while (writer.last() + 1 < measured_from + kSegments)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::this_thread::sleep_for(std::chrono::seconds(2));  // the last one's delivery
    }
    listing = false;
    encoder.join();
    stop = true;
    for (auto& th : threads) {
      if (th.joinable()) th.join();
    }

    std::vector<double> all;
    size_t behind = 0, complete = 0;
    for (size_t i = 0; i < viewers; ++i) {
      if (!pool[i]) continue;  // could not join
      for (double d : delays[i]) {
        all.push_back(d);
        behind += d >= 2000;
      }
      // Every segment from where it joined to the last one measured.
      complete += pool[i]->segments() >= measured_from + kSegments - pool[i]->first_seq();
    }
    double worst = all.empty() ? 0 : *std::max_element(all.begin(), all.end());
    bool kept_up = behind == 0 && complete == viewers && opened == viewers;
    Report("scale.live", {{"viewers", viewers},
                          {"segments_measured", kSegments},
                          {"viewers_with_every_segment", complete},
                          {"deliveries", all.size()},
                          {"late_deliveries", behind},
                          {"delay_p50_ms", Percentile(all, 50)},
                          {"delay_p99_ms", Percentile(all, 99)},
                          {"delay_max_ms", worst},
                          {"joined", opened.load()},
                          {"errors", errors.load()},
                          {"kept_up", kept_up}});
    for (auto& v : pool) {
      if (v) v->Close();
    }
    broadcaster.process.Signal(SIGTERM);
    broadcaster.process.Wait(std::chrono::seconds(60));
    // Keeping up is a measurement, not a test (machines differ); a refused
    // or broken exchange is a failure.
    if (errors > 0 || (quick && opened != viewers)) status = 1;
  }
  return status;
}
