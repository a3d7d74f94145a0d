#include "tracker/tracker_cli.h"

#include <filesystem>
#include <iostream>

#include "common/cli/args.h"
#include "common/cli/command_table.h"
#include "common/cli/host_port.h"
#include "common/cli/key_file.h"
#include "common/cli/log_options.h"
#include "common/client/tracker_api.h"
#include "common/http/forwarded.h"
#include "common/protocol/address.h"
#include "common/protocol/address_text.h"
#include "common/store/kv_store.h"
#include "tracker/audit.h"
#include "tracker/backup_cli.h"
#include "tracker/cli_fail.h"
#include "tracker/migrate_cli.h"
#include "tracker/pg/pg_audit.h"
#include "tracker/pg/pg_schema.h"
#include "tracker/tracker_data.h"
#include "tracker/tracker_node.h"

namespace tollstream {
namespace {

constexpr const char* kUsage = R"(usage: tracker <command> [options]

commands:
  init    create a new tracker: its key and an empty ledger
  run     serve the tracker
  keygen  create a tracker key
  mint    bring new tokens into an ordinary address
  audit   check that the ledger holds
  backup  write a signed backup of the ledger, also while it serves
  restore make a ledger from a backup, and audit it
  migrate copy a ledger between LevelDB and PostgreSQL, and compare audits

Run `tracker <command> --help` for a command's options; `tracker --version`
says which build this is.
)";

constexpr const char* kRunHelp = R"(usage: tracker run --data-dir DIR --listen HOST:PORT [options]

Serves the tracker. DIR holds the tracker key (tracker.key) and the ledger
(ledger/), both made by `tracker init`: run never creates them, and refuses
to start when either is missing or the ledger is damaged. It audits the
ledger first and refuses to serve one that does not pass (this takes about
as long as `tracker audit`). Prints "listening on URL" once it accepts
requests; stops cleanly on SIGINT or SIGTERM. Besides the signed methods
(POST /v1/<method>) it serves the operator's dashboard at URL/dashboard
(read-only, unsigned) and Prometheus metrics at URL/metrics.

options:
  --data-dir DIR               data directory (made by `tracker init`)
  --store URL                  keep the ledger in PostgreSQL at URL
                               (postgresql://USER@HOST:PORT/DB, as libpq takes
                               it; better from TOLLSTREAM_STORE or the config
                               file than on the command line, if it holds a
                               password) instead of DIR/ledger. Several
                               trackers with the same key may serve one such
                               ledger; made by `tracker init --store URL`
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
  --history-step S             the dashboard history's resolution in seconds
                               (default 60: per minute over the last hour,
                               per hour over the last day); kept in
                               DIR/history.json
  --trusted-proxy ADDR[,ADDR]  reverse proxies in front (e.g. nginx on
                               127.0.0.1): their X-Forwarded-For and
                               X-Forwarded-Proto name the client in the
                               request log; from anyone else they are ignored
  --log-level LEVEL            debug, info, warn or error (default info; debug
                               adds a line per HTTP request: method, route,
                               status, duration, client and scheme)
  --log-format FORMAT          text or json (one JSON object a line)
  --config FILE                options from FILE, "name = value" a line

Every option may also come from the environment, TOLLSTREAM_<NAME> (e.g.
TOLLSTREAM_DATA_DIR), or from the config file; the command line wins, then
the environment. GET /healthz answers while it serves; GET /readyz when the
store takes writes, the last audit passed and the data directory's disk
takes a synced write (else 503, saying which check failed).
)";

constexpr const char* kInitHelp = R"(usage: tracker init --data-dir DIR [--store URL [--upgrade]]

Creates a new tracker in DIR (created if missing): its key, DIR/tracker.key
(mode 0600; a key already there, e.g. from `tracker keygen`, is kept), and
an empty ledger, DIR/ledger. Refuses when DIR/ledger exists. Prints the
tracker's public key, address and 6-digit code. Then: tracker run.

With --if-missing, a DIR that holds a tracker already (its key and its
ledger) is left as it is, and that is no error (for a service's first
start; what is in DIR is checked by `tracker run`).

With --store URL, the ledger is made in that PostgreSQL database instead
(its tables, in the URL's schema; refused when it holds a ledger already):
DIR keeps the key. Each further tracker that serves the same ledger needs
a copy of that key file.

With --store URL --upgrade, the ledger that DIR's tracker has in that
database is brought to this version's schema in one transaction (a
tracker refuses to serve an older one and says so): stop every tracker
that serves it first. A schema of this version is left as it is.
)";

constexpr const char* kKeygenHelp = R"(usage: tracker keygen (--data-dir DIR | --out FILE)

Creates a new tracker key (mode 0600) in DIR/tracker.key or FILE, and prints
its public key, address and 6-digit code. Refuses to overwrite a key.
)";

constexpr const char* kMintHelp =
    R"(usage: tracker mint --data-dir DIR --tracker URL --to ADDRESS --amount N

Signs a mint request with the tracker key in DIR and sends it to the running
tracker at URL, which must be the one with that key. Prints the result.
ADDRESS is an address's human form, toll1… (`peer wallet address` prints a
key's); a public key, hex, or a mistyped address is refused before
anything is sent.
)";

constexpr const char* kAuditHelp =
    R"(usage: tracker audit (--data-dir DIR | --store URL | --tracker URL)

Checks the ledger: the journal replays to every balance, balances add up to
the minted supply, locks match the open contracts. With --data-dir, reads the
ledger of a stopped tracker; with --store, the PostgreSQL ledger (also while
trackers serve it); with --tracker, asks a running one. Prints the
report as JSON; exits 0 when the ledger holds, 1 when it does not, 2 on error.
)";

void PrintKey(const KeyPair& key) {
  std::cout << KeyLines(key.public_key());
}

int Run(int argc, char** argv) {
  auto args = Args::Parse(
      argc, argv, 2,
      WithLogOptions({"data-dir", "store", "listen", "grace", "max-contract-seconds",
                      "max-clock-skew", "threads", "max-body-bytes", "maintenance-interval",
                      "audit-interval", "trusted-proxy", "history-step"}),
      {});
  if (!args) return Fail(args.error());
  if (Status logs = ApplyLogOptions(*args); !logs) return Fail(logs.error());
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
  auto history_step = args->Integer("history-step", 60, 1, 3600);
  for (const auto* r : {&grace, &max_contract, &skew, &threads, &max_body, &interval,
                        &audit_interval, &history_step}) {
    if (!*r) return Fail(r->error());
  }
  TrackerNodeOptions options;
  options.data_dir = *dir;
  options.store = args->Get("store").value_or("");
  options.listen = *hp;
  options.service.max_clock_skew = *skew;
  options.service.ledger.grace_seconds = *grace;
  options.service.ledger.max_contract_seconds = *max_contract;
  options.http.threads = static_cast<size_t>(*threads);
  options.http.max_body_bytes = static_cast<size_t>(*max_body);
  options.maintenance_interval_seconds = *interval;
  options.audit_interval_seconds = *audit_interval;
  options.history_step_seconds = *history_step;
  if (auto proxies = args->Get("trusted-proxy")) {
    auto list = ParseAddressList(*proxies);
    if (!list) return Fail("--trusted-proxy: " + list.error().message);
    options.http.trusted_proxies = std::move(*list);
  }
  if (Status s = RunTracker(options); !s) return Fail(s.error());
  return 0;
}

int Init(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "store"}, {"if-missing", "upgrade"});
  if (!args) return Fail(args.error());
  auto dir = args->Require("data-dir");
  if (!dir) return Fail(dir.error());
  if (args->Has("upgrade")) {
    auto store = args->Require("store");
    if (!store) return Fail(store.error());
    auto from = UpgradePgTrackerData(*dir, *store);
    if (!from) return Fail(from.error());
    if (*from == kPgSchemaVersion) {
      std::cout << "the ledger's schema is version " << kPgSchemaVersion
                << " already; kept as it is\n";
    } else {
      std::cout << "the ledger's schema is upgraded from version " << *from << " to "
                << kPgSchemaVersion << "\n";
    }
    return 0;
  }
  if (auto store = args->Get("store")) {
    if (args->Has("if-missing") && std::filesystem::exists(TrackerKeyPath(*dir))) {
      if (auto data = OpenPgTrackerData(*dir, *store)) {
        std::cout << "a tracker with its ledger in PostgreSQL is in " << *dir
                  << " already; kept as it is\n";
        return 0;
      }
    }
    bool key_created = false;
    auto data = InitPgTrackerData(*dir, *store, &key_created);
    if (!data) return Fail(data.error());
    std::cout << "key file:   " << TrackerKeyPath(*dir) << (key_created ? "" : " (kept)") << "\n"
              << "ledger:     PostgreSQL (empty)\n";
    PrintKey(data->key);
    return 0;
  }
  std::error_code ec;
  if (args->Has("if-missing") && std::filesystem::exists(TrackerKeyPath(*dir), ec) &&
      std::filesystem::exists(TrackerLedgerPath(*dir), ec)) {
    std::cout << "a tracker is in " << *dir << " already; kept as it is\n";
    return 0;
  }
  bool key_created = false;
  auto data = InitTrackerData(*dir, KvStore::Options{}, &key_created);
  if (!data) return Fail(data.error());
  std::cout << "key file:   " << TrackerKeyPath(*dir) << (key_created ? "" : " (kept)") << "\n"
            << "ledger:     " << TrackerLedgerPath(*dir) << " (empty)\n";
  PrintKey(data->key);
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
    path = TrackerKeyPath(*dir);
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
  auto address = ParseAddressText(*to);  // before any request
  if (!address) return Fail("--to: " + address.error().message);
  auto key = LoadKeyFile(TrackerKeyPath(*dir));
  if (!key) return Fail(key.error());
  TrackerClient client(*url, *key);
  client.Pin(key->public_key());
  if (auto hs = client.Handshake(); !hs) {
    return Fail(hs.error().message + " (is " + *url + " the tracker whose key is in " + *dir +
                "?)");
  }
  auto result = TrackerApi(client).Mint(*address, static_cast<uint64_t>(*amount));
  if (!result)
    return Fail(std::string(CodeName(result.error().code)) + ": " + result.error().message);
  std::cout << result->dump(2) << std::endl;
  return 0;
}

int Audit(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "tracker", "store"}, {});
  if (!args) return Fail(args.error());
  json report;
  // --tracker, then --data-dir, then --store (which TOLLSTREAM_STORE may
  // set for every command): the more explicit wins.
  auto store = args->Get("store");
  if (store && !args->Get("tracker") && !args->Get("data-dir")) {
    auto db = PgConnection::Open(*store);
    if (!db) return Fail(db.error());
    if (Status known = CheckPgSchemaVersion(**db); !known) return Fail(known.error());
    auto result = AuditPgLedger(**db);
    if (!result) return Fail(result.error());
    report = result->ToJson();
  } else if (auto url = args->Get("tracker")) {
    TrackerClient client(*url, KeyPair::Generate());  // anyone may ask for an audit
    if (auto hs = client.Handshake(); !hs) return Fail(hs.error());
    auto result = TrackerApi(client).Audit();
    if (!result) return Fail(result.error());
    report = *result;
  } else if (auto dir = args->Get("data-dir")) {
    KvStore::Options options;
    options.create_if_missing = false;
    auto ledger = KvStore::Open(*dir + "/ledger", options);
    if (!ledger) {
      bool in_use = ledger.error().message.find("in use by another process") != std::string::npos;
      return Fail(
          ledger.error().message +
          (in_use ? "; a running tracker holds its ledger: use --tracker URL to audit it" : ""));
    }
    auto result = AuditLedger(**ledger);
    if (!result) return Fail(result.error());
    report = result->ToJson();
  } else {
    return Fail("give --data-dir DIR, --store URL or --tracker URL (see --help)");
  }
  std::cout << report.dump(2) << std::endl;
  return report["ok"].get<bool>() ? 0 : 1;
}

}  // namespace

int TrackerMain(int argc, char** argv) {
  static const CliCommand kCommands[] = {{"init", kInitHelp, Init},
                                         {"run", kRunHelp, Run},
                                         {"keygen", kKeygenHelp, Keygen},
                                         {"mint", kMintHelp, Mint},
                                         {"audit", kAuditHelp, Audit},
                                         {"backup", kBackupHelp, BackupCommand},
                                         {"restore", kRestoreHelp, RestoreCommand},
                                         {"migrate", kMigrateHelp, MigrateCommand}};
  return RunCommandTable("tracker", kUsage, kCommands, argc, argv);
}

}  // namespace tollstream
