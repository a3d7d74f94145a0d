// Tracker memory (peak RSS) and request latency as the ledger grows: 10^4,
// 10^5 and 10^6 closed contracts. Each ledger is built through the tracker's
// own ledger code (real signatures, every record as the running tracker
// writes it) in large batches, then a real tracker is started on it and
// measured under the same load of contract cycles and account queries, and
// for the operator's dashboard: its summary and first page of contracts, and
// how long the tracker's audit at start took.
//   growth_bench [--quick] [--sizes N,N,...]
#include <httplib.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "common/cli/key_file.h"
#include "common/protocol/address.h"
#include "common/store/commit_pipeline.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/cycle_load.h"
#include "tests/support/built_ledger.h"
#include "tracker/ledger.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

constexpr size_t kPairs = 50;
constexpr uint64_t kPrice = 1, kMaxSegments = 10;

// The peak resident set of process `pid`, in MB.
double PeakRssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

// Starts the peak resident set of `pid` afresh (Linux: clear_refs 5).
void ResetPeakRss(pid_t pid) {
  std::ofstream out("/proc/" + std::to_string(pid) + "/clear_refs");
  out << "5";
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::vector<size_t> sizes;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--quick") quick = true;
    if (a == "--sizes" && i + 1 < argc) {
      std::stringstream ss(argv[++i]);
      std::string item;
      while (std::getline(ss, item, ',')) sizes.push_back(std::stoul(item));
    }
  }
  if (sizes.empty())
    sizes = quick ? std::vector<size_t>{1000} : std::vector<size_t>{10'000, 100'000, 1'000'000};
  for (size_t contracts : sizes) {
    TempDir dir;
    std::string data = dir / "tracker";
    std::filesystem::create_directories(data);
    auto tracker_key = CreateKeyFile(data + "/tracker.key");
    if (!tracker_key) return 1;
    std::vector<PairKeys> keys(kPairs);
    auto built_start = Clock::now();
    if (!BuildLedger(data, *tracker_key, keys, contracts, kPrice, kMaxSegments)) return 1;
    double build_s = Seconds(Clock::now() - built_start);

    // The tracker audits the whole ledger at start, before it listens (about
    // 45 s at 10^6 contracts).
    TrackerProcess tracker(data, {}, std::chrono::seconds(1800));
    httplib::Client dashboard(tracker.url);
    json audit;
    for (int i = 0; i < 6000 && audit.is_null(); ++i) {
      auto res = dashboard.Get("/dashboard/api/summary");
      if (res && res->status == 200) audit = json::parse(res->body)["audit"]["last"];
      if (audit.is_null()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // The audit reads every record, and LevelDB maps the table files it
    // reads: their pages count in the resident set (page cache the kernel
    // may drop) until they are reclaimed. Its peak is reported apart; the
    // peak of the tracker at work starts afresh.
    double audit_rss = PeakRssMb(tracker.process.pid());
    ResetPeakRss(tracker.process.pid());
    PublicKey tk = tracker_key->public_key();
    std::vector<Pair> pairs(kPairs);
    for (size_t i = 0; i < kPairs; ++i) {
      pairs[i].b.key = keys[i].b;
      pairs[i].c.key = keys[i].c;
      SignCycles(pairs[i], tk, keys[i].spend, keys[i].income, kPrice, kMaxSegments,
                 quick ? 20 : 120);
    }
    LoadResult load = RunLoad(tracker.url, pairs, 8, quick ? 1.0 : 5.0);
    // Reads: the account of a viewer, one at a time.
    TrackerClient reader(tracker.url, KeyPair::Generate());
    if (!reader.Handshake()) return 1;
    std::vector<double> query_ms;
    for (int i = 0; i < (quick ? 50 : 500); ++i) {
      auto begin = Clock::now();
      if (!reader.Call("account", {{"address", keys[static_cast<size_t>(i) % kPairs].spend}}))
        return 1;
      query_ms.push_back(Seconds(Clock::now() - begin) * 1000);
    }
    // The dashboard: its summary and the first page of contracts it shows.
    auto p50_ms = [&](const char* path) {
      std::vector<double> ms;
      for (int i = 0; i < (quick ? 20 : 200); ++i) {
        auto begin = Clock::now();
        auto res = dashboard.Get(path);
        if (!res || res->status != 200) return -1.0;
        ms.push_back(Seconds(Clock::now() - begin) * 1000);
      }
      return Percentile(ms, 50);
    };
    double summary_ms = p50_ms("/dashboard/api/summary");
    double contracts_ms = p50_ms("/dashboard/api/contracts?state=all&limit=50");
    double rss = PeakRssMb(tracker.process.pid());
    auto summary = reader.Call("summary", json::object());
    Report("growth",
           {{"closed_contracts", summary ? (*summary)["contracts_closed"] : json(nullptr)},
            {"build_s", build_s},
            {"cycles_per_s", static_cast<double>(load.cycles) / load.seconds},
            {"cycle_p50_ms", Percentile(load.latencies_ms, 50)},
            {"cycle_p99_ms", Percentile(load.latencies_ms, 99)},
            {"account_p50_ms", Percentile(query_ms, 50)},
            {"account_p99_ms", Percentile(query_ms, 99)},
            {"dashboard_summary_p50_ms", summary_ms},
            {"dashboard_contracts_p50_ms", contracts_ms},
            {"audit_s", audit.is_object() ? audit["seconds"] : json(nullptr)},
            {"audit_ok", audit.is_object() ? audit["ok"] : json(nullptr)},
            {"audit_peak_rss_mb", audit_rss},
            {"peak_rss_mb", rss},
            {"failures", load.failures}});
    tracker.process.Signal(SIGTERM);
    tracker.process.Wait(std::chrono::seconds(60));
  }
  return 0;
}
