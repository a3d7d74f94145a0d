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

struct Keys {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  std::string income, spend;
};

// Writes `contracts` closed contracts into the ledger in `data_dir`.
bool BuildLedger(const std::string& data_dir, const KeyPair& tracker, std::vector<Keys>& keys,
                 size_t contracts) {
  auto store = KvStore::Open(data_dir + "/ledger");
  if (!store) return false;
  CommitPipeline pipeline(**store);
  Ledger ledger(tracker.public_key(), LedgerConfig{});
  int64_t now = UnixNow();
  auto apply = [&](const std::function<bool(LedgerTxn&)>& work) {
    PipelineTxn txn(pipeline);
    if (!work(txn)) return false;
    auto seq = txn.Commit();
    return seq.ok() && pipeline.WaitDurable(*seq).ok();
  };
  uint64_t per_pair = (contracts / keys.size() + 1) * kPrice * (kMaxSegments + 1) + 100'000;
  if (!apply([&](LedgerTxn& txn) {
        for (auto& k : keys) {
          if (!ledger.Mint(txn, AddressOf(k.c.public_key()), per_pair, "bench", now)) return false;
          auto spend = ledger.GetSpendAddress(txn, k.c.public_key(), per_pair, "bench", now);
          auto income = ledger.GetIncomeAddress(txn, k.b.public_key(), now);
          if (!spend || !income) return false;
          k.spend = (*spend)["address"];
          k.income = (*income)["address"];
        }
        return true;
      })) {
    return false;
  }
  const size_t kBatch = 1000;
  for (size_t done = 0; done < contracts; done += kBatch) {
    size_t n = std::min(kBatch, contracts - done);
    std::vector<Contract> batch(n);
    std::vector<Receipt> receipts(n);
    std::vector<std::thread> signers;
    for (size_t s = 0; s < 2; ++s) {
      signers.emplace_back([&, s] {
        for (size_t i = s; i < n; i += 2) {
          Keys& k = keys[(done + i) % keys.size()];
          Contract& c = batch[i];
          c.terms = ContractTerms{tracker.public_key(),
                                  k.c.public_key(),
                                  k.b.public_key(),
                                  k.spend,
                                  k.income,
                                  "growth",
                                  kPrice,
                                  kMaxSegments,
                                  now + 3600,
                                  RandomHex(16)};
          SignAsViewer(c, k.c);
          SignAsBroadcaster(c, k.b);
          receipts[i].contract = c.id;
          receipts[i].viewer = k.c.public_key();
          receipts[i].segments = 1 + i % kMaxSegments;
          receipts[i].bytes = 1'000'000;
          receipts[i].amount = receipts[i].segments * kPrice;
          receipts[i].chain = c.id;
          SignReceipt(receipts[i], k.c);
        }
      });
    }
    for (auto& s : signers) s.join();
    bool ok = apply([&](LedgerTxn& txn) {
      for (size_t i = 0; i < n; ++i) {
        const Keys& k = keys[(done + i) % keys.size()];
        if (!ledger.OpenContract(txn, k.b.public_key(), batch[i], now)) return false;
        if (!ledger.CloseContract(txn, k.b.public_key(), ToHex(batch[i].id), receipts[i], now))
          return false;
      }
      return true;
    });
    if (!ok) return false;
  }
  return true;
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
    std::vector<Keys> keys(kPairs);
    auto built_start = Clock::now();
    if (!BuildLedger(data, *tracker_key, keys, contracts)) return 1;
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
