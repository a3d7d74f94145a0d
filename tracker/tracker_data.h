// The tracker's data directory: its key (tracker.key) and its ledger
// (ledger/, a LevelDB store), or, with `--store postgresql://…`, its key
// and a ledger kept in that database (tracker/pg/pg_schema.h). Only the
// Init functions (`tracker init`) create them; opening never does: a
// missing directory, key or ledger, or a ledger whose CURRENT file is
// gone, is an error that names what is missing, never a new, empty
// tracker in its place.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/store/kv_store.h"

namespace tollstream {

struct TrackerData {
  KeyPair key;
  std::unique_ptr<KvStore> ledger;  // null when the ledger is in PostgreSQL
  std::string store;                // then: its URL
};

std::string TrackerKeyPath(const std::string& dir);     // DIR/tracker.key
std::string TrackerLedgerPath(const std::string& dir);  // DIR/ledger

// A new tracker in `dir`: creates the directory if missing, the key unless
// DIR/tracker.key exists (`tracker keygen` may have made it; it is kept),
// and an empty ledger (in DIR/ledger, which may exist as an empty
// directory: a disk of its own mounted there). `*key_created` says whether
// the key is new. Errors: DIR/ledger exists and is not an empty directory
// (a tracker lives there), the key file cannot be read, anything cannot be
// created.
Result<TrackerData> InitTrackerData(const std::string& dir, const KvStore::Options& options,
                                    bool* key_created);

// The tracker in `dir`, as InitTrackerData left it and requests changed it.
// Errors name what is missing (the directory, the key, the ledger, its
// CURRENT file) or why the ledger cannot be opened (see KvStore::Open).
Result<TrackerData> OpenTrackerData(const std::string& dir, const KvStore::Options& options);

// A new tracker whose ledger is in the PostgreSQL database at `url`: the
// key as InitTrackerData makes or keeps it, and the ledger's schema made
// in the database (which must hold none). Errors: those of the key, of
// the connection, kConflict (the database holds a ledger).
Result<TrackerData> InitPgTrackerData(const std::string& dir, const std::string& url,
                                      bool* key_created);

// Brings the schema of the ledger at `url` of the tracker whose key is in
// `dir` to this version (UpgradePgSchema); returns the version it had.
Result<int> UpgradePgTrackerData(const std::string& dir, const std::string& url);

// The tracker with its key in `dir` and its ledger at `url`. Errors: the
// key's (as OpenTrackerData), the connection's, and the schema's check
// (none there, another version, another tracker's key).
Result<TrackerData> OpenPgTrackerData(const std::string& dir, const std::string& url);

}  // namespace tollstream
