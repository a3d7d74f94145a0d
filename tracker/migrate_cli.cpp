#include "tracker/migrate_cli.h"

#include <filesystem>
#include <iostream>

#include "common/cli/args.h"
#include "common/cli/key_file.h"
#include "tracker/audit.h"
#include "tracker/cli_fail.h"
#include "tracker/ledger_indexes.h"
#include "tracker/pg/pg_audit.h"
#include "tracker/pg/pg_migrate.h"
#include "tracker/pg/pg_schema.h"
#include "tracker/tracker_data.h"

namespace tollstream {

const char* const kMigrateHelp =
    R"(usage: tracker migrate --data-dir DIR --store URL --to postgresql|leveldb

Copies a stopped tracker's ledger from one store to the other, then audits
both and compares their figures.
  --to postgresql  copies DIR/ledger (LevelDB) into the PostgreSQL database
                   at URL, in one transaction. The schema is made for the
                   key in DIR when the database has none; one that is there
                   must be of that key and hold no ledger yet.
  --to leveldb     copies the ledger in the database at URL into DIR/ledger,
                   which must not exist (not even empty), and
                   DIR/tracker.key must be the key that ledger was made for.
                   The copy is made in DIR/ledger.migrating and named
                   DIR/ledger only once its figures are found identical.
Stop the trackers that serve the ledger first. The copy keeps every
record, the answers to past requests included (a retry is answered as
before); on the way to LevelDB the journal is numbered again without the
gaps PostgreSQL's sequence leaves. Prints {"from": audit, "to": audit,
"identical": bool}; exits 0 when both hold with identical figures, 1 when
not, 2 on error.
)";

namespace {

// The schema at `db` for `key`: made when none is there, else checked.
Status SchemaFor(PgConnection& db, const KeyPair& key) {
  Status made = CreatePgSchema(db, key.public_key().ToHex());
  if (made || made.error().code != ErrorCode::kConflict) return made;
  return CheckPgSchema(db, key.public_key().ToHex());
}

// Both audits, printed; the exit status.
int Compare(const KvStore& leveldb, PgConnection& db, bool to_pg) {
  auto on_leveldb = AuditLedger(leveldb);
  if (!on_leveldb) return Fail(on_leveldb.error());
  auto on_pg = AuditPgLedger(db);
  if (!on_pg) return Fail(on_pg.error());
  json from = (to_pg ? on_leveldb : on_pg)->ToJson();
  json to = (to_pg ? on_pg : on_leveldb)->ToJson();
  bool identical = on_leveldb->ok && on_pg->ok && from == to;
  std::cout << json{{"from", from}, {"to", to}, {"identical", identical}}.dump(2) << std::endl;
  return identical ? 0 : 1;
}

int ToPostgres(const std::string& dir, PgConnection& db) {
  auto data = OpenTrackerData(dir, KvStore::Options{});
  if (!data) return Fail(data.error());
  if (Status s = SchemaFor(db, data->key); !s) return Fail(s.error());
  if (Status s = CopyLedgerToPg(*data->ledger, db); !s) return Fail(s.error());
  return Compare(*data->ledger, db, /*to_pg=*/true);
}

int ToLevelDb(const std::string& dir, PgConnection& db) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(TrackerKeyPath(dir), ec)) {
    return Fail(TrackerKeyPath(dir) +
                " is missing: copy there the key of the tracker whose "
                "ledger this is");
  }
  auto key = LoadKeyFile(TrackerKeyPath(dir));
  if (!key) return Fail(key.error());
  if (Status s = CheckPgSchema(db, key->public_key().ToHex()); !s) return Fail(s.error());
  std::string ledger = TrackerLedgerPath(dir), migrating = ledger + ".migrating";
  // Not even an empty directory (a disk mounted there, a link): the copy is
  // made beside it and renamed, which cannot replace one.
  if (fs::exists(fs::symlink_status(ledger, ec))) {
    return Fail(ledger +
                " exists: the copy is made as a new DIR/ledger only (to keep it on a "
                "disk of its own, mount that disk at DIR)");
  }
  fs::remove_all(migrating, ec);  // what a copy cut short left
  int status = 2;
  {
    auto store = KvStore::Open(migrating);
    if (!store) return Fail(store.error());
    Status copied = BuildMissingIndexes(**store);  // marks the empty ledger indexed
    if (copied) copied = CopyLedgerFromPg(db, **store);
    status = copied ? Compare(**store, db, /*to_pg=*/false) : Fail(copied.error());
  }
  if (status == 0) {
    fs::rename(migrating, ledger, ec);
    if (ec) status = Fail("cannot name " + migrating + " " + ledger + ": " + ec.message());
  }
  if (status != 0) fs::remove_all(migrating, ec);
  return status;
}

}  // namespace

int MigrateCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "store", "to"}, {});
  if (!args) return Fail(args.error());
  auto dir = args->Require("data-dir");
  if (!dir) return Fail(dir.error());
  auto url = args->Require("store");
  if (!url) return Fail(url.error());
  auto to = args->Require("to");
  if (!to) return Fail(to.error());
  if (*to != "postgresql" && *to != "leveldb") return Fail("--to is postgresql or leveldb");
  auto db = PgConnection::Open(*url);
  if (!db) return Fail(db.error());
  return *to == "postgresql" ? ToPostgres(*dir, **db) : ToLevelDb(*dir, **db);
}

}  // namespace tollstream
