// Contract cycles per second through a real tracker (openContract +
// closeContract, real signatures, every answer synced to disk), with many
// concurrent clients, and the latency of each cycle; next to it, in the same
// run, the ceiling of the HTTP stack: a bare cpp-httplib server answering
// POSTs of the same sizes from the same clients.
//
//   tracker_bench [--quick]           prints JSON result lines
//   tracker_bench --bare-server       (internal) the HTTP ceiling server
//   tracker_bench --stateless-server  (internal) the signature ceiling server
//
// Two ceilings: the bare server answers a fixed string (the HTTP stack
// alone); the stateless server does every signature check and signature the
// tracker does (the request, the contract's two signatures or the receipt's,
// the signed answer) on the same HTTP stack, but keeps no ledger. The second
// is what the protocol's cryptography allows on this machine.
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
#include <thread>

#include "common/base/clock.h"
#include "common/http/http_server.h"
#include "common/wire/signing.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/cycle_load.h"
#include "tests/bench/pg_load.h"
#include "tests/support/tracker_fixture.h"

using namespace tollstream;
using namespace tollstream::bench;
using namespace tollstream::test;

namespace {

json StatelessAnswer(std::string_view method, const std::string& body, const KeyPair& key) {
  auto req = ParseRequest(body);
  if (!req) return ErrorBody(method, key.public_key(), std::nullopt, UnixNow(), req.error());
  Result<json> checked = json::object();
  if (method == "openContract") {
    auto contract =
        ParseContract(req->params.at("contract"), ContractSigs::kBoth, "params.contract");
    if (!contract) checked = contract.error();
  } else {
    auto receipt = ParseReceipt(req->params.at("receipt"), "params.receipt");
    if (!receipt) checked = receipt.error();
  }
  if (!checked) return ErrorBody(method, key.public_key(), req->id, UnixNow(), checked.error());
  return ResponseBody(method, key.public_key(), req->id, UnixNow(), 200, {{"state", "checked"}});
}

int BareServer(bool stateless) {
  KeyPair key = KeyPair::Generate();
  HttpServer server;
  std::string answer(600, 'x');  // about the size of a tracker answer
  server.Post(R"(/v1/(\w+))", [&](const HttpRequest& req, HttpResponse& res) {
    if (!stateless) return res.SetContent(answer, "application/json");
    json body = StatelessAnswer(req.matches[1].str(), req.body, key);
    SignInPlace(SignedKind::kResponse, key, body);
    res.status = body["status"].get<int>();
    res.SetContent(body.dump(), "application/json");
  });
  int port = server.Bind("127.0.0.1", 0);
  std::cout << "listening on http://127.0.0.1:" << port << std::endl;
  server.Run();
  return 0;
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

// The tracker on its LevelDB ledger against the two ceilings: reports
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
  LoadResult ours = RunLoad(tracker.url(), pairs, z.threads, z.seconds);
  auto [groups_after, changes_after] = commits();
  double groups = groups_after - groups_before;
  auto [audit_status, audit_out] = tracker.Audit(/*running=*/true);
  auto summary = op->Call("summary", json::object());

  auto ceiling_run = [&](const char* mode) -> std::optional<LoadResult> {
    Process server({self, mode});
    auto url = server.WaitForLine("listening on ", std::chrono::seconds(10));
    if (!url) return std::nullopt;
    std::cerr << "tracker_bench: load on " << mode << " for " << z.seconds << " s" << std::endl;
    return RunLoad(*url, pairs, z.threads, z.seconds, /*repeat=*/true);
  };
  auto stateless = ceiling_run("--stateless-server");
  auto bare = ceiling_run("--bare-server");
  if (!stateless || !bare || stateless->failures > 0) {
    std::cerr << "tracker_bench: a ceiling server failed" << std::endl;
    return 1;
  }
  LoadResult& ceiling = *bare;
  double stateless_cycles_per_s = static_cast<double>(stateless->cycles) / stateless->seconds;

  double cycles_per_s = static_cast<double>(ours.cycles) / ours.seconds;
  double bare_cycles_per_s = static_cast<double>(ceiling.cycles) / ceiling.seconds;
  Report("tracker.cycles",
         {{"cycles_per_s", cycles_per_s},
          {"requests_per_s", 2 * cycles_per_s},
          {"ceiling_requests_per_s", 2 * bare_cycles_per_s},
          {"ratio", cycles_per_s / bare_cycles_per_s},
          {"signature_ceiling_cycles_per_s", stateless_cycles_per_s},
          {"signature_ratio", cycles_per_s / stateless_cycles_per_s},
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
  if (argc > 1 && std::string(argv[1]) == "--bare-server") return BareServer(false);
  if (argc > 1 && std::string(argv[1]) == "--stateless-server") return BareServer(true);
  Sizes z(argc > 1 && std::string(argv[1]) == "--quick");
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
