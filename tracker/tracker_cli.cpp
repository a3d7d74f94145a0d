#include "tracker/tracker_cli.h"

#include <sys/stat.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "common/cli/args.h"
#include "common/cli/command_table.h"
#include "common/cli/host_port.h"
#include "common/cli/key_file.h"
#include "common/cli/signal_watcher.h"
#include "common/client/tracker_client.h"
#include "common/observe/log.h"
#include "common/protocol/address.h"
#include "common/store/kv_store.h"
#include "tracker/audit.h"
#include "tracker/audit_runner.h"
#include "tracker/dashboard.h"
#include "tracker/http/dashboard_routes.h"
#include "tracker/http/http_server.h"
#include "tracker/http/routes.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_metrics.h"
#include "tracker/tracker_service.h"

namespace tollstream {
namespace {

constexpr const char* kUsage = R"(usage: tracker <command> [options]

commands:
  run     serve the tracker
  keygen  create a tracker key
  mint    bring new tokens into an ordinary address
  audit   check that the ledger holds

Run `tracker <command> --help` for a command's options.
)";

constexpr const char* kRunHelp = R"(usage: tracker run --data-dir DIR --listen HOST:PORT [options]

Serves the tracker. DIR holds the tracker key (tracker.key, created on first
start) and the ledger (ledger/). Prints "listening on URL" once it accepts
requests; stops cleanly on SIGINT or SIGTERM. Besides the signed methods
(POST /v1/<method>) it serves the operator's dashboard at URL/dashboard
(read-only, unsigned) and Prometheus metrics at URL/metrics.

options:
  --data-dir DIR               data directory (created if missing)
  --listen HOST:PORT           address to listen on; port 0 picks a free port
  --grace SECONDS              how long after its expiry an open contract is
                               released back to the spend address (default 300)
  --max-contract-seconds N     furthest expiry accepted, from now (default 604800)
  --max-clock-skew SECONDS     accepted difference of a request's ts (default 120)
  --threads N                  HTTP worker threads (default 64)
  --max-body-bytes N           request size limit (default 65536)
  --maintenance-interval S     seconds between release/prune passes (default 1)
  --audit-interval S           seconds between background audits of the ledger
                               (default 3600); 0 audits only at start
)";

constexpr const char* kKeygenHelp = R"(usage: tracker keygen (--data-dir DIR | --out FILE)

Creates a new tracker key (mode 0600) in DIR/tracker.key or FILE, and prints
its public key, address and 6-digit code. Refuses to overwrite a key.
)";

constexpr const char* kMintHelp =
    R"(usage: tracker mint --data-dir DIR --tracker URL --to ADDRESS --amount N

Signs a mint request with the tracker key in DIR and sends it to the running
tracker at URL, which must be the one with that key. Prints the result.
)";

constexpr const char* kAuditHelp = R"(usage: tracker audit (--data-dir DIR | --tracker URL)

Checks the ledger: the journal replays to every balance, balances add up to
the minted supply, locks match the open contracts. With --data-dir, reads the
ledger of a stopped tracker; with --tracker, asks a running one. Prints the
report as JSON; exits 0 when the ledger holds, 1 when it does not, 2 on error.
)";

int Fail(const std::string& message) {
  std::cerr << "tracker: " << message << "\n";
  return 2;
}

int Fail(const Error& e) {
  return Fail(e.message);
}

std::string KeyPath(const std::string& dir) {
  return dir + "/tracker.key";
}

void PrintKey(const KeyPair& key) {
  std::cout << "public key: " << key.public_key().ToHex() << "\n"
            << "address:    " << AddressOf(key.public_key()) << "\n"
            << "code:       " << KeyCode(key.public_key()) << "\n";
}

int Run(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {"data-dir", "listen", "grace", "max-contract-seconds", "max-clock-skew",
                           "threads", "max-body-bytes", "maintenance-interval", "audit-interval"},
                          {});
  if (!args) return Fail(args.error());
  auto dir = args->Require("data-dir");
  auto listen = args->Require("listen");
  if (!dir) return Fail(dir.error());
  if (!listen) return Fail(listen.error());
  auto hp = ParseHostPort(*listen);
  if (!hp) return Fail(hp.error());
  auto grace = args->Integer("grace", 300, 0, 30 * 24 * 3600);
  auto max_contract = args->Integer("max-contract-seconds", 7 * 24 * 3600, 1, 365 * 24 * 3600);
  auto skew = args->Integer("max-clock-skew", 120, 1, 3600);
  auto threads = args->Integer("threads", 64, 2, 4096);
  auto max_body = args->Integer("max-body-bytes", 64 * 1024, 1024, 16 << 20);
  auto interval = args->Integer("maintenance-interval", 1, 1, 3600);
  auto audit_interval = args->Integer("audit-interval", 3600, 0, 30 * 24 * 3600);
  for (const auto* r :
       {&grace, &max_contract, &skew, &threads, &max_body, &interval, &audit_interval}) {
    if (!*r) return Fail(r->error());
  }

  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) return Fail("cannot create " + *dir + ": " + ec.message());
  auto key = LoadOrCreateKeyFile(KeyPath(*dir));
  if (!key) return Fail(key.error());
  KvStore::Options store_options;
  // Every contract cycle rewrites the same few records (the two addresses,
  // supply, totals): a larger memtable drops more superseded versions before
  // they reach a table file, and flushes and compacts less often. It costs
  // up to twice this much memory, and a longer log replay at start.
  store_options.write_buffer_bytes = 32 << 20;
  auto store = KvStore::Open(*dir + "/ledger", store_options);
  if (!store) return Fail(store.error().message + " (is another tracker using " + *dir + "?)");

  ServiceConfig config;
  config.max_clock_skew = *skew;
  config.ledger.grace_seconds = *grace;
  config.ledger.max_contract_seconds = *max_contract;
  SignalWatcher signals;  // before any thread starts, so all inherit the mask
  TrackerService service(*key, **store, config);
  StreamRegistry registry;
  auto clock = [&service] { return service.Now(); };
  AuditRunner audits(**store, clock);
  RegisterAllRoutes(service, registry, audits, static_cast<size_t>(*max_body));
  Dashboard dashboard(service, registry, audits);

  HttpOptions http;
  http.threads = static_cast<size_t>(*threads);
  http.max_body_bytes = static_cast<size_t>(*max_body);
  HttpServer server(service, http);
  InstrumentServer(server.http(), service.metrics(), TrackerRouteOf(service));
  DeclareTrackerGauges(service.metrics(), **store, registry, audits, clock);
  ServeDashboard(server.http(), dashboard);
  auto port = server.Bind(hp->host, hp->port);
  if (!port) return Fail(port.error());

  std::mutex stop_mutex;
  std::condition_variable stop_cv;
  bool stopping = false;
  signals.Start([&] {
    LogInfo("signal received; stopping");
    {
      std::lock_guard lock(stop_mutex);
      stopping = true;
    }
    stop_cv.notify_all();
    audits.Stop();     // a running audit ends early
    dashboard.Stop();  // event streams end
    server.Stop();
  });
  std::thread maintenance([&] {
    std::unique_lock lock(stop_mutex);
    while (!stop_cv.wait_for(lock, std::chrono::seconds(*interval), [&] { return stopping; })) {
      lock.unlock();
      auto done = service.RunMaintenance(service.Now());
      if (!done) {
        LogError("maintenance: " + done.error().message);
      } else if (done->released > 0) {
        LogInfo("released " + std::to_string(done->released) + " expired contract(s)");
      }
      lock.lock();
    }
  });

  dashboard.Start();
  audits.StartSchedule(*audit_interval);

  HostPort bound{hp->host, *port};
  LogInfo("tracker " + service.public_key().ToHex() + " (code " + KeyCode(service.public_key()) +
          ") data in " + *dir);
  std::cout << "listening on " << bound.Url() << std::endl;
  server.Serve();
  {
    std::lock_guard lock(stop_mutex);
    stopping = true;
  }
  stop_cv.notify_all();
  maintenance.join();
  audits.Stop();
  dashboard.Stop();
  LogInfo("stopped");
  return 0;
}

int Keygen(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "out"}, {});
  if (!args) return Fail(args.error());
  std::string path;
  if (auto dir = args->Get("data-dir")) {
    std::error_code ec;
    std::filesystem::create_directories(*dir, ec);
    if (ec) return Fail("cannot create " + *dir + ": " + ec.message());
    path = KeyPath(*dir);
  } else if (auto out = args->Get("out")) {
    path = *out;
  } else {
    return Fail("give --data-dir DIR or --out FILE (see --help)");
  }
  auto key = CreateKeyFile(path);
  if (!key) return Fail(key.error());
  std::cout << "key file:   " << path << "\n";
  PrintKey(*key);
  return 0;
}

int Mint(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "tracker", "to", "amount"}, {});
  if (!args) return Fail(args.error());
  auto dir = args->Require("data-dir");
  auto url = args->Require("tracker");
  auto to = args->Require("to");
  auto amount = args->Integer("amount", -1, 1, int64_t{1} << 53);
  if (!dir) return Fail(dir.error());
  if (!url) return Fail(url.error());
  if (!to) return Fail(to.error());
  if (!amount) return Fail(amount.error());
  if (*amount < 0) return Fail("--amount is required");
  auto key = LoadKeyFile(KeyPath(*dir));
  if (!key) return Fail(key.error());
  TrackerClient client(*url, *key);
  client.Pin(key->public_key());
  if (auto hs = client.Handshake(); !hs) {
    return Fail(hs.error().message + " (is " + *url + " the tracker whose key is in " + *dir +
                "?)");
  }
  auto result = client.Call("mint", {{"to", *to}, {"amount", *amount}});
  if (!result)
    return Fail(std::string(CodeName(result.error().code)) + ": " + result.error().message);
  std::cout << result->dump(2) << std::endl;
  return 0;
}

int Audit(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "tracker"}, {});
  if (!args) return Fail(args.error());
  json report;
  if (auto url = args->Get("tracker")) {
    TrackerClient client(*url, KeyPair::Generate());  // anyone may ask for an audit
    if (auto hs = client.Handshake(); !hs) return Fail(hs.error());
    auto result = client.Call("audit", json::object());
    if (!result) return Fail(result.error());
    report = *result;
  } else if (auto dir = args->Get("data-dir")) {
    KvStore::Options options;
    options.create_if_missing = false;
    auto store = KvStore::Open(*dir + "/ledger", options);
    if (!store) {
      return Fail(store.error().message +
                  " (a running tracker holds its ledger: use --tracker URL to audit it)");
    }
    auto result = AuditLedger(**store);
    if (!result) return Fail(result.error());
    report = result->ToJson();
  } else {
    return Fail("give --data-dir DIR or --tracker URL (see --help)");
  }
  std::cout << report.dump(2) << std::endl;
  return report["ok"].get<bool>() ? 0 : 1;
}

}  // namespace

int TrackerMain(int argc, char** argv) {
  static constexpr CliCommand kCommands[] = {{"run", kRunHelp, Run},
                                             {"keygen", kKeygenHelp, Keygen},
                                             {"mint", kMintHelp, Mint},
                                             {"audit", kAuditHelp, Audit}};
  return RunCommandTable("tracker", kUsage, kCommands, argc, argv);
}

}  // namespace tollstream
