// Contract cycles per second through a real tracker (openContract +
// closeContract, real signatures, every answer synced to disk), with many
// concurrent clients, and the latency of each cycle; next to it, in the same
// run, ceilings on the same HTTP stack (HttpServer) from the same clients.
//
//   tracker_bench [--quick]           prints JSON result lines
//   tracker_bench --bare-server       (internal) the HTTP ceiling server
//   tracker_bench --stateless-server  (internal) the signature ceiling server
//   tracker_bench --durable-server    (internal) the durable ceiling server
//   tracker_bench --rules-free-server KEYFILE
//                                     (internal) the rules-free ceiling server
//
// Four ceilings: the bare server answers a fixed string (the HTTP stack
// alone); the stateless server does every signature check and signature the
// tracker does (the request, the contract's two signatures or the receipt's,
// the signed answer), but keeps no ledger: what the protocol's cryptography
// allows on this machine; the durable server is the stateless one that also
// writes each answer as one synced record through the tracker's group commit
// before sending it: what durability allows. The tracker against the
// durable ceiling is the cost of the ledger's rules and records. The
// rules-free server is the tracker's own service (TrackerService on a
// LevelDB ledger, with the tracker's key) whose openContract and
// closeContract check what the stateless server checks and apply no rule:
// each change stores its answer (two records: the answer, and its key by
// time) and nothing else. What the tracker's request path, stored answers,
// ledger lock and group commit allow: the most any ledger's rules on them
// could give, and the tracker against it is what its rules and their
// records cost.
//
// Requests are signed before the clock starts, so the clients measure the
// tracker, not their own signing; the tracker verifies and signs as always.
//
// Then the same load on trackers whose ledger is in PostgreSQL, one
// instance and two sharing the database, beside the database's own commit
// rate and the CPU each side spends on a cycle (tests/bench/pg_load.h).
// PostgreSQL must be installed (scripts/setup postgres): without it the
// program says so and fails.
#include <httplib.h>

#include <atomic>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/base/clock.h"
#include "common/cli/key_file.h"
#include "common/cli/signal_watcher.h"
#include "common/http/http_server.h"
#include "common/rpc/http_endpoint.h"
#include "common/store/commit_pipeline.h"
#include "common/store/kv_store.h"
#include "common/wire/signing.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/cycle_load.h"
#include "tests/bench/pg_load.h"
#include "tests/support/temp_dir.h"
#include "tests/support/tracker_fixture.h"
#include "tracker/tracker_metrics.h"
#include "tracker/tracker_service.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

// What the stateless server checks of a request's params: the contract's
// two signatures (openContract) or the receipt's (closeContract).
Status CheckSignedParams(std::string_view method, const json& params) {
  if (method == "openContract") {
    auto contract = ParseContract(params.at("contract"), ContractSigs::kBoth, "params.contract");
    if (!contract) return contract.error();
    return Status::Ok();
  }
  auto receipt = ParseReceipt(params.at("receipt"), "params.receipt");
  if (!receipt) return receipt.error();
  return Status::Ok();
}

json StatelessAnswer(std::string_view method, const std::string& body, const KeyPair& key) {
  auto req = ParseRequest(body);
  if (!req) return ErrorBody(method, key.public_key(), std::nullopt, UnixNow(), req.error());
  if (Status checked = CheckSignedParams(method, req->params); !checked) {
    return ErrorBody(method, key.public_key(), req->id, UnixNow(), checked.error());
  }
  return ResponseBody(method, key.public_key(), req->id, UnixNow(), 200, {{"state", "checked"}});
}

// The ceilings' servers, on the tracker's HTTP stack. kDurable is the
// stateless server that also writes each answer as one synced record through
// the tracker's group commit (CommitPipeline, announced as the request
// arrives, gathered for up to 1 ms) and sends it once it is on disk: what
// durability alone costs, with no ledger rules and one record where a
// ledger change writes about ten.
enum class Ceiling { kBare, kStateless, kDurable };

// A store in `dir` tuned as the tracker's ledger is.
Result<std::unique_ptr<KvStore>> OpenLedgerStore(const TempDir& dir) {
  KvStore::Options options;
  options.write_buffer_bytes = 32 << 20;  // as the tracker's ledger
  return KvStore::Open(dir / "db", options);
}

// Binds `server` to a free loopback port, says where, and serves until
// SIGTERM or SIGINT reaches `signals`.
int ServeUntilSignal(HttpServer& server, SignalWatcher& signals) {
  int port = server.Bind("127.0.0.1", 0);
  std::cout << "listening on http://127.0.0.1:" << port << std::endl;
  signals.Start([&server] { server.Stop(); });
  server.Run();
  return 0;
}

//
// Serves until SIGTERM or SIGINT, then removes what it wrote.
int CeilingServer(Ceiling mode) {
  SignalWatcher signals;  // before any thread starts
  KeyPair key = KeyPair::Generate();
  HttpServer server;
  std::string answer(600, 'x');  // about the size of a tracker answer
  std::optional<TempDir> dir;
  std::unique_ptr<KvStore> store;
  std::unique_ptr<CommitPipeline> pipeline;
  std::atomic<uint64_t> written{0};
  if (mode == Ceiling::kDurable) {
    dir.emplace();
    auto opened = OpenLedgerStore(*dir);
    if (!opened) return 1;
    store = std::move(*opened);
    pipeline = std::make_unique<CommitPipeline>(*store, std::chrono::microseconds(1000));
  }
  server.Post(R"(/v1/(\w+))", [&](const HttpRequest& req, HttpResponse& res) {
    if (mode == Ceiling::kBare) return res.SetContent(answer, "application/json");
    std::optional<CommitPipeline::Announcement> coming;
    if (pipeline) coming.emplace(pipeline->Announce());
    json body = StatelessAnswer(req.matches[1].str(), req.body, key);
    if (pipeline) {
      std::string record_key = "answer/" + std::to_string(++written);
      auto seq = pipeline->Submit({{std::move(record_key), body.dump()}}, &*coming);
      Status durable = seq ? pipeline->WaitDurable(*seq) : Status(seq.error());
      if (!durable) {
        body = ErrorBody("", key.public_key(), std::nullopt, UnixNow(), durable.error());
      }
    }
    SignInPlace(SignedKind::kResponse, key, body);
    res.status = body["status"].get<int>();
    res.SetContent(body.dump(), "application/json");
  });
  return ServeUntilSignal(server, signals);
}

// The rules-free ceiling (see the top of this file), with the tracker's key
// from `key_file`. Serves until SIGTERM or SIGINT, then removes what it wrote.
int RulesFreeServer(const std::string& key_file) {
  SignalWatcher signals;  // before any thread starts
  auto key = LoadKeyFile(key_file);
  if (!key) return 1;
  TempDir dir;
  auto store = OpenLedgerStore(dir);
  if (!store) return 1;
  TrackerService service(*key, **store, ServiceConfig{});
  for (const char* method : {"openContract", "closeContract"}) {
    service.AddMethod(method, TrackerService::Kind::kChange,
                      [method](const Request& req) -> Result<TrackerService::Apply> {
                        if (Status checked = CheckSignedParams(method, req.params); !checked) {
                          return checked.error();
                        }
                        return TrackerService::Apply([](LedgerTxn&, int64_t) -> Result<json> {
                          return json{{"state", "checked"}};
                        });
                      });
  }
  HttpServer server;
  ServeSigned(server, service.rpc(), EndpointOptions{});
  InstrumentServer(server, service.metrics(), TrackerRouteOf(service));
  return ServeUntilSignal(server, signals);
}

// The sizes of a run: --quick, or the full measurement.
struct Sizes {
  explicit Sizes(bool quick)
      : threads(quick ? 8 : 48),
        pairs(quick ? 16 : 96),
        seconds(quick ? 1.0 : 10.0),
        cycles_per_pair(quick ? 200 : 1200) {}
  size_t threads, pairs;
  double seconds;
  size_t cycles_per_pair;  // more than a run can use
  uint64_t price = 1, max_segments = 10;
};

// A load's result, and the CPU its server process spent on each cycle.
struct Measured {
  LoadResult load;
  double cpu_ms_per_cycle = 0;
};

Measured MeasureLoad(pid_t server, const std::string& url, std::vector<Pair>& pairs, const Sizes& z,
                     bool repeat) {
  double before = ProcessCpuSeconds(server);
  Measured m{RunLoad(url, pairs, z.threads, z.seconds, repeat)};
  double used = ProcessCpuSeconds(server) - before;
  if (m.load.cycles > 0) m.cpu_ms_per_cycle = 1000 * used / static_cast<double>(m.load.cycles);
  return m;
}

// The tracker on its LevelDB ledger against the three ceilings: reports
// tracker.cycles; 0 when every cycle succeeded and the audit passed.
int LevelDbBench(const std::string& self, const Sizes& z) {
  TrackerFixture tracker;
  auto op = std::make_unique<TrackerClient>(tracker.url(), tracker.tracker_key());
  if (!op->Handshake()) return 1;
  // Every request signed up front, on every core.
  auto made = MakePairs(tracker.url(), tracker.tracker_key(), z.pairs, z.cycles_per_pair, z.price,
                        z.max_segments);
  if (!made) return 1;
  std::vector<Pair>& pairs = *made;

  std::cerr << "tracker_bench: load on the tracker for " << z.seconds << " s" << std::endl;
  auto commits = [&] {
    return std::pair(ScrapeGauge(tracker.url(), "tollstream_tracker_commit_groups"),
                     ScrapeGauge(tracker.url(), "tollstream_tracker_commit_changes"));
  };
  auto [groups_before, changes_before] = commits();
  Measured measured = MeasureLoad(tracker.process().pid(), tracker.url(), pairs, z, false);
  LoadResult& ours = measured.load;
  auto [groups_after, changes_after] = commits();
  double groups = groups_after - groups_before;
  auto [audit_status, audit_out] = tracker.Audit(/*running=*/true);
  auto summary = op->Call("summary", json::object());

  // `repeat`: whether the server keeps no state, so that the load may send
  // its requests again once they run out.
  auto ceiling_run = [&](std::vector<std::string> args, bool repeat) -> std::optional<Measured> {
    const std::string mode = args.front();
    args.insert(args.begin(), self);
    Process server(args);
    auto url = server.WaitForLine("listening on ", std::chrono::seconds(10));
    if (!url) return std::nullopt;
    std::cerr << "tracker_bench: load on " << mode << " for " << z.seconds << " s" << std::endl;
    Measured run = MeasureLoad(server.pid(), *url, pairs, z, repeat);
    server.Signal(SIGTERM);  // so that it removes its files
    if (server.Wait(std::chrono::seconds(10)) != 0) return std::nullopt;
    return run;
  };
  // The rules-free server first: it checks the requests' age as the tracker does.
  auto rules_free =
      ceiling_run({"--rules-free-server", tracker.data_dir() + "/tracker.key"}, /*repeat=*/false);
  auto stateless = ceiling_run({"--stateless-server"}, true);
  auto durable = ceiling_run({"--durable-server"}, true);
  auto bare = ceiling_run({"--bare-server"}, true);
  if (!rules_free || !stateless || !durable || !bare || rules_free->load.failures > 0 ||
      stateless->load.failures > 0 || durable->load.failures > 0) {
    std::cerr << "tracker_bench: a ceiling server failed" << std::endl;
    return 1;
  }
  LoadResult& ceiling = bare->load;
  auto per_s = [](const LoadResult& r) { return static_cast<double>(r.cycles) / r.seconds; };
  double stateless_cycles_per_s = per_s(stateless->load);
  double durable_cycles_per_s = per_s(durable->load);
  double rules_free_cycles_per_s = per_s(rules_free->load);

  double cycles_per_s = per_s(ours);
  double bare_cycles_per_s = per_s(ceiling);
  Report("tracker.cycles",
         {{"cycles_per_s", cycles_per_s},
          {"requests_per_s", 2 * cycles_per_s},
          {"ceiling_requests_per_s", 2 * bare_cycles_per_s},
          {"ratio", cycles_per_s / bare_cycles_per_s},
          {"signature_ceiling_cycles_per_s", stateless_cycles_per_s},
          {"signature_ratio", cycles_per_s / stateless_cycles_per_s},
          {"durable_ceiling_cycles_per_s", durable_cycles_per_s},
          {"durable_ratio", cycles_per_s / durable_cycles_per_s},
          {"rules_free_ceiling_cycles_per_s", rules_free_cycles_per_s},
          {"rules_free_ratio", cycles_per_s / rules_free_cycles_per_s},
          // The rules-free tracker against the stateless ceiling: the most
          // signature_ratio could be with any rules.
          {"rules_free_signature_ratio", rules_free_cycles_per_s / stateless_cycles_per_s},
          // The CPU each server process spent on a cycle: steadier than the
          // rates, which move with the host's other load.
          {"cpu_ms_per_cycle", measured.cpu_ms_per_cycle},
          {"stateless_cpu_ms_per_cycle", stateless->cpu_ms_per_cycle},
          {"durable_cpu_ms_per_cycle", durable->cpu_ms_per_cycle},
          {"rules_free_cpu_ms_per_cycle", rules_free->cpu_ms_per_cycle},
          {"p50_ms", Percentile(ours.latencies_ms, 50)},
          {"synced_writes_per_s", groups / ours.seconds},
          {"changes_per_synced_write", groups > 0 ? (changes_after - changes_before) / groups : 0},
          {"p99_ms", Percentile(ours.latencies_ms, 99)},
          {"ceiling_p50_ms", Percentile(ceiling.latencies_ms, 50)},
          {"ceiling_p99_ms", Percentile(ceiling.latencies_ms, 99)},
          {"clients", z.threads},
          {"failures", ours.failures},
          {"retries", ours.retries},
          {"audit_ok", audit_status == 0},
          {"contracts_closed", summary ? (*summary)["contracts_closed"] : json(nullptr)}});
  return audit_status == 0 && ours.failures == 0 && ours.cycles > 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "--bare-server") return CeilingServer(Ceiling::kBare);
  if (mode == "--stateless-server") return CeilingServer(Ceiling::kStateless);
  if (mode == "--durable-server") return CeilingServer(Ceiling::kDurable);
  if (mode == "--rules-free-server" && argc > 2) return RulesFreeServer(argv[2]);
  Sizes z(mode == "--quick");
  int status = LevelDbBench(argv[0], z);
  try {
    PgLoadOptions pg{z.threads, z.pairs, z.cycles_per_pair, z.seconds, z.price, z.max_segments};
    if (PgBench(pg) != 0) status = 1;
  } catch (const std::exception& e) {
    std::cerr << "tracker_bench: the PostgreSQL measurement failed: " << e.what() << std::endl;
    return 1;
  }
  return status;
}
