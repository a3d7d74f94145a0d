// Paid segments per second and MB/s from one broadcaster to concurrent
// viewers over loopback, for 2 MB segments of real H.264 video, next to
// nginx serving the same files statically in the same run. Both kinds of
// client hash every segment they get (a viewer must, to check it), so the
// comparison is about the serving side; viewers also sign a receipt per
// segment and check the broadcaster's signature, as `peer watch` does.
// The two are measured in turn, in short rounds, and each figure sums its
// rounds, so that a drift in the shared host's speed touches both alike.
// Each figure comes with the CPU time per segment of the server and of its
// clients, which share the machine: that is what the ratio is made of.
// A second broadcaster sells three renditions of the picture (8, 4 and 2
// Mb/s, from an encoder's master playlist) to as many viewers, each asking
// for the next rendition with each segment (every contract buys all three,
// every receipt counts and chains them), next to nginx serving the same
// files in the same order: its ratio beside those files sold as one
// rendition; and the same contracts with every viewer keeping to the top
// rendition, beside the single rendition of those files.
//   stream_bench [--quick]
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/http/sized_body.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/bench_viewer.h"
#include "tests/peer/peer_fixture.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

// CPU seconds (user and system) used so far by process `pid` and by its
// live children (nginx's workers), from /proc.
double CpuSeconds(pid_t pid) {
  double ticks = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "stat");
    std::string line;
    if (!std::getline(in, line)) continue;
    auto after_name = line.rfind(')');  // the command's name may hold spaces
    if (after_name == std::string::npos) continue;
    // From the third field: state, ppid, ..., utime and stime (the 14th and 15th).
    std::istringstream fields(line.substr(after_name + 1));
    std::string state;
    long ppid = 0;
    fields >> state >> ppid;
    std::string field;
    for (int i = 0; i < 9; ++i) fields >> field;  // pgrp to cmajflt
    uint64_t utime = 0, stime = 0;
    fields >> utime >> stime;
    if (std::stol(name) == pid || ppid == pid) ticks += static_cast<double>(utime + stime);
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

double OwnCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Load {
  double seconds = 0;
  double client_cpu = 0,
         server_cpu = 0;  // CPU seconds of the clients (this process), of the server
  uint64_t segments = 0;
  uint64_t bytes = 0;
  std::vector<double> latencies_ms;
};

// `threads` clients fetching with `fetch` for `seconds`, from `server`.
Load Measure(size_t threads, double seconds, const std::function<bool(size_t, size_t*)>& fetch,
             pid_t server) {
  double client_cpu = OwnCpuSeconds(), server_cpu = CpuSeconds(server);
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> segments{0}, bytes{0};
  std::vector<std::vector<double>> latencies(threads);
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (!stop) {
        size_t n = 0;
        auto begin = Clock::now();
        if (!fetch(t, &n)) break;
        latencies[t].push_back(Seconds(Clock::now() - begin) * 1000);
        ++segments;
        bytes += n;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  Load l;
  l.client_cpu = OwnCpuSeconds() - client_cpu;
  l.server_cpu = CpuSeconds(server) - server_cpu;
  l.seconds = Seconds(Clock::now() - start);
  l.segments = segments;
  l.bytes = bytes;
  for (auto& v : latencies) l.latencies_ms.insert(l.latencies_ms.end(), v.begin(), v.end());
  return l;
}

// Adds `more` (a later round of the same load) to `total`.
void Add(Load& total, const Load& more) {
  total.seconds += more.seconds;
  total.client_cpu += more.client_cpu;
  total.server_cpu += more.server_cpu;
  total.segments += more.segments;
  total.bytes += more.bytes;
  total.latencies_ms.insert(total.latencies_ms.end(), more.latencies_ms.begin(),
                            more.latencies_ms.end());
}

// Real video of the test picture in `dir` (seg%03d.ts, source.m3u8): H.264
// of `size` at a constant `bitrate`, 2-second segments; its playlist.
std::optional<HlsPlaylist> MakeVideo(const std::string& dir, bool quick, const std::string& size,
                                     const std::string& bitrate) {
  std::filesystem::create_directories(dir);
  auto [made, log] = RunCommand({"/usr/bin/ffmpeg",
                                 "-hide_banner",
                                 "-loglevel",
                                 "error",
                                 "-f",
                                 "lavfi",
                                 "-i",
                                 "testsrc2=size=" + size + ":rate=25",
                                 "-t",
                                 quick ? "4" : "10",
                                 "-c:v",
                                 "libx264",
                                 "-preset",
                                 "ultrafast",
                                 "-b:v",
                                 bitrate,
                                 "-minrate",
                                 bitrate,
                                 "-maxrate",
                                 bitrate,
                                 "-bufsize",
                                 "2M",
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
                                 dir + "/seg%03d.ts",
                                 dir + "/source.m3u8"},
                                std::chrono::minutes(5));
  if (made != 0) return std::nullopt;
  auto text = ReadWholeFile(dir + "/source.m3u8");
  if (!text) return std::nullopt;
  auto playlist = ParseHlsPlaylist(*text);
  if (!playlist) return std::nullopt;
  // What is sold: a long stream cycling over these files.
  HlsPlaylist sold;
  sold.target_duration = 2;
  sold.ended = true;
  for (uint64_t i = 0; i < 100000; ++i) {
    const auto& s = playlist->segments[i % playlist->segments.size()];
    sold.segments.push_back({i, s.duration_ms, s.uri, false});
  }
  std::ofstream(dir + "/index.m3u8") << sold.Serialize();
  return *playlist;
}

// nginx serving `root` on a free loopback port, once it answers `probe_path`.
std::unique_ptr<Process> StartNginx(const std::string& dir, const std::string& root,
                                    const std::string& probe_path, int& port) {
  port = FreePort();
  std::filesystem::create_directories(dir + "/nginx");
  std::ofstream(dir + "/nginx/nginx.conf")
      // As root, nginx's workers would switch to an account that cannot read the private temporary
      // directory.
      << (geteuid() == 0 ? "user root; " : "") << "worker_processes auto; daemon off; pid " << dir
      << "/nginx/pid; error_log " << dir << "/nginx/error.log"
      << ";\nevents { worker_connections 1024; }\nhttp { access_log off; sendfile on; tcp_nopush "
         "on; tcp_nodelay on; keepalive_requests 1000000; types { video/mp2t ts; }\n"
      << "client_body_temp_path " << dir << "/nginx; proxy_temp_path " << dir
      << "/nginx; fastcgi_temp_path " << dir << "/nginx; uwsgi_temp_path " << dir
      << "/nginx; scgi_temp_path " << dir << "/nginx"
      << ";\nserver { listen 127.0.0.1:" << port << "; root " << root << "; } }\n";
  auto nginx = std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/nginx", "-c", dir + "/nginx/nginx.conf", "-p",
                               dir + "/nginx"},
      dir + "/nginx.log");
  httplib::Client probe("http://127.0.0.1:" + std::to_string(port));
  for (int i = 0; i < 100; ++i) {
    if (probe.Get(probe_path)) return nginx;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "nginx did not start:\n%s\n",
               ReadWholeFile(dir + "/nginx.log").value_or("").c_str());
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const size_t kViewers = quick ? 2 : 4;
  const double kSeconds = quick ? 1.0 : 8.0;
  TempDir dir;
  std::string hls = dir / "hls", ladder = dir / "ladder";
  // Real video at about 8 Mb/s: 2-second segments of about 2 MB; and the
  // ladder: the same files, and the picture at 4 and 2 Mb/s.
  const std::vector<std::array<std::string, 3>> kLadder = {
      {"720p", "1280x720", "8M"}, {"540p", "960x540", "4M"}, {"360p", "640x360", "2M"}};
  auto top = MakeVideo(hls, quick, kLadder[0][1], kLadder[0][2]);
  if (!top) return 1;
  std::vector<HlsPlaylist> rungs;
  std::ostringstream master;
  master << "#EXTM3U\n";
  for (const auto& [name, size, bitrate] : kLadder) {
    std::string rung = ladder + "/" + name;
    if (name == kLadder[0][0]) {
      std::filesystem::create_directories(rung);
      for (const auto& f : std::filesystem::directory_iterator(hls))
        std::filesystem::copy_file(f.path(), rung + "/" + f.path().filename().string());
      rungs.push_back(*top);
    } else if (auto made = MakeVideo(rung, quick, size, bitrate)) {
      rungs.push_back(*made);
    } else {
      return 1;
    }
    master << "#EXT-X-STREAM-INF:BANDWIDTH=" << std::stoi(bitrate) * 1000000
           << ",RESOLUTION=" << size << ",NAME=\"" << name << "\"\n"
           << name << "/index.m3u8\n";
  }
  std::ofstream(ladder + "/master.m3u8") << master.str();
  // The same files in the same order as one rendition: segment k is rendition k mod 3's.
  HlsPlaylist mixed;
  mixed.target_duration = 2;
  mixed.ended = true;
  for (uint64_t k = 0; k < 100000; ++k) {
    const HlsPlaylist& rung = rungs[k % rungs.size()];
    const HlsSegment& s = rung.segments[k % rung.segments.size()];
    mixed.segments.push_back({k, s.duration_ms, kLadder[k % rungs.size()][0] + "/" + s.uri, false});
  }
  std::ofstream(ladder + "/mixed.m3u8") << mixed.Serialize();
  const HlsPlaylist& source = *top;
  uint64_t segment_bytes = 0;
  for (const auto& s : source.segments)
    segment_bytes += std::filesystem::file_size(hls + "/" + s.uri);
  segment_bytes /= source.segments.size();

  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "bench", 1, {"--hls-dir", hls, "--playlist", "index.m3u8"},
                                 dir / "b.log");
  KeyFile b3 = NewKeyFile(dir / "b3.key");
  BroadcasterProcess renditions(
      t, b3, "bench3", 3,
      {"--hls-dir", ladder, "--playlist", "master.m3u8", "--rendition-prices", "3,2,1"},
      dir / "b3.log");
  KeyFile b1 = NewKeyFile(dir / "b1.key");
  BroadcasterProcess mixing(t, b1, "mixed", 1, {"--hls-dir", ladder, "--playlist", "mixed.m3u8"},
                            dir / "b1.log");
  KeyPair minter = t.tracker_key();
  std::vector<BenchViewer> viewers, viewers3, viewers1;
  for (size_t i = 0; i < kViewers; ++i) {
    auto v = BenchViewer::Open(t, minter, "bench", 100000, 0);
    auto v3 = BenchViewer::Open(t, minter, "bench3", 100000, 0);
    auto v1 = BenchViewer::Open(t, minter, "mixed", 100000, 0);
    if (!v || !v3 || !v1 || v3->renditions().size() != kLadder.size()) return 1;
    viewers.push_back(std::move(*v));
    viewers3.push_back(std::move(*v3));
    viewers1.push_back(std::move(*v1));
  }
  auto buy = [&](size_t i, size_t* n) {
    int64_t retry = 0;
    return viewers[i].Next(n, &retry) == BenchViewer::Step::kSegment;
  };
  auto buy1 = [&](size_t i, size_t* n) {
    int64_t retry = 0;
    return viewers1[i].Next(n, &retry) == BenchViewer::Step::kSegment;
  };
  // Segment k is of rendition k mod 3, from every server: each viewer
  // switches rendition with every segment.
  auto buy3 = [&](size_t i, size_t* n) {
    int64_t retry = 0;
    const std::string& rendition = kLadder[viewers3[i].next_seq() % kLadder.size()][0];
    return viewers3[i].Next(n, &retry, rendition) == BenchViewer::Step::kSegment;
  };
  // The same contracts, every viewer keeping to the top rendition: the
  // files of the single rendition above.
  auto buy_top = [&](size_t i, size_t* n) {
    int64_t retry = 0;
    return viewers3[i].Next(n, &retry, kLadder[0][0]) == BenchViewer::Step::kSegment;
  };

  // nginx, serving the same files, read by the same number of clients that hash each one.
  // Started now, measured in turn with the broadcasters below.
  int port = 0;
  auto nginx = StartNginx(dir / "nginx", dir / "", "/hls/source.m3u8", port);
  if (!nginx) return 1;
  std::vector<std::unique_ptr<httplib::Client>> statics;
  for (size_t i = 0; i < kViewers; ++i) {
    statics.push_back(
        std::make_unique<httplib::Client>("http://127.0.0.1:" + std::to_string(port)));
    statics.back()->set_keep_alive(true);
  }
  auto get = [&](size_t i, const std::string& path, size_t* n) {
    httplib::Request req;
    req.method = "GET";
    req.path = path;
    auto res = SendSized(*statics[i], std::move(req));  // as the viewers read theirs
    if (!res || res->status != 200) return false;
    volatile uint8_t sink = Sha256(res->body)[0];
    (void)sink;
    *n = res->body.size();
    return true;
  };
  std::vector<size_t> next(kViewers, 0), next3(kViewers, 0);
  auto fetch = [&](size_t i, size_t* n) {
    return get(i, "/hls/" + source.segments[next[i]++ % source.segments.size()].uri, n);
  };
  auto fetch3 = [&](size_t i, size_t* n) {
    size_t k = next3[i]++, r = k % kLadder.size();
    const HlsPlaylist& rung = rungs[r];
    return get(i, "/ladder/" + kLadder[r][0] + "/" + rung.segments[k % rung.segments.size()].uri,
               n);
  };
  // Rounds of each in turn, so that all see the same machine: a shared
  // host's speed drifts within a run.
  const int kRounds = quick ? 1 : 4;
  pid_t ours_pid = broadcaster.process.pid(), ours3_pid = renditions.process.pid();
  Load ours, ceiling, ours3, ceiling3, ours1, ceiling1, ours_top, ours_alone, ceiling_alone;
  for (int r = 0; r < kRounds; ++r) {
    Add(ours, Measure(kViewers, kSeconds / kRounds, buy, ours_pid));
    Add(ceiling, Measure(kViewers, kSeconds / kRounds, fetch, nginx->pid()));
    Add(ours_top, Measure(kViewers, kSeconds / kRounds, buy_top, ours3_pid));
    Add(ours3, Measure(kViewers, kSeconds / kRounds, buy3, ours3_pid));
    Add(ceiling3, Measure(kViewers, kSeconds / kRounds, fetch3, nginx->pid()));
    Add(ours1, Measure(kViewers, kSeconds / kRounds, buy1, mixing.process.pid()));
    // nginx reads those files in the same order again.
    std::fill(next3.begin(), next3.end(), 0);
    Add(ceiling1, Measure(kViewers, kSeconds / kRounds, fetch3, nginx->pid()));
  }
  // One viewer alone: the time of one segment's round trip without contention.
  for (int r = 0; r < kRounds; ++r) {
    Add(ours_alone, Measure(1, kSeconds / 2 / kRounds, buy, ours_pid));
    Add(ceiling_alone, Measure(1, kSeconds / 2 / kRounds, fetch, nginx->pid()));
  }
  for (auto& v : viewers) v.Close();
  for (auto& v : viewers3) v.Close();
  for (auto& v : viewers1) v.Close();
  nginx->Signal(SIGTERM);  // the master stops its workers before it exits
  nginx->Wait(std::chrono::seconds(10));

  auto mb_per_s = [](const Load& l) { return static_cast<double>(l.bytes) / 1e6 / l.seconds; };
  double p50 = Percentile(ours.latencies_ms, 50), static_p50 = Percentile(ceiling.latencies_ms, 50);
  double alone_p50 = Percentile(ours_alone.latencies_ms, 50);
  double static_alone_p50 = Percentile(ceiling_alone.latencies_ms, 50);
  // CPU per segment, in ms: what the ratio comes from, since the clients
  // and the server share the machine's cores.
  auto per_segment = [](double cpu_seconds, const Load& l) {
    return l.segments == 0 ? 0.0 : cpu_seconds * 1000 / static_cast<double>(l.segments);
  };
  double ratio = mb_per_s(ours) / mb_per_s(ceiling);
  double ratio3 = mb_per_s(ours3) / mb_per_s(ceiling3);
  double ratio1 = mb_per_s(ours1) / mb_per_s(ceiling1);
  double ratio_top = mb_per_s(ours_top) / mb_per_s(ceiling);
  Report("streaming.2mb",
         {{"segments_per_s", static_cast<double>(ours.segments) / ours.seconds},
          {"server_cpu_ms_per_segment", per_segment(ours.server_cpu, ours)},
          {"client_cpu_ms_per_segment", per_segment(ours.client_cpu, ours)},
          {"ceiling_server_cpu_ms_per_segment", per_segment(ceiling.server_cpu, ceiling)},
          {"ceiling_client_cpu_ms_per_segment", per_segment(ceiling.client_cpu, ceiling)},
          {"mb_per_s", mb_per_s(ours)},
          {"ceiling_mb_per_s", mb_per_s(ceiling)},
          {"ratio", ratio},
          {"segment_bytes", segment_bytes},
          {"viewers", kViewers},
          {"p50_ms", p50},
          {"ceiling_p50_ms", static_p50},
          {"alone_p50_ms", alone_p50},
          {"ceiling_alone_p50_ms", static_alone_p50},
          // What buying adds to one segment's round trip: the signed request
          // with its receipt, the statement's check, the countersigned answer.
          {"receipt_overhead_ms", alone_p50 - static_alone_p50}});
  Report("streaming.renditions",
         {{"renditions", kLadder.size()},
          {"viewers", kViewers},
          {"segments_per_s", static_cast<double>(ours3.segments) / ours3.seconds},
          {"segment_bytes", ours3.segments == 0 ? 0 : ours3.bytes / ours3.segments},
          {"server_cpu_ms_per_segment", per_segment(ours3.server_cpu, ours3)},
          {"ceiling_server_cpu_ms_per_segment", per_segment(ceiling3.server_cpu, ceiling3)},
          {"mb_per_s", mb_per_s(ours3)},
          {"ceiling_mb_per_s", mb_per_s(ceiling3)},
          {"ratio", ratio3},
          // The same files in the same order sold as one rendition, and
          // the goal: the renditions' ratio within 0.05 of it.
          {"single_rendition_ratio", ratio1},
          {"ratio_below_single", ratio1 - ratio3},
          {"single_rendition_server_cpu_ms_per_segment", per_segment(ours1.server_cpu, ours1)},
          // Every viewer keeping to the top rendition, beside the 2 MB
          // segments of one rendition (streaming.2mb): the same files.
          {"top_ratio", ratio_top},
          {"top_below_single", ratio - ratio_top}});
  return ours.segments > 0 && ceiling.segments > 0 && ours3.segments > 0 && ceiling3.segments > 0
             ? 0
             : 1;
}
