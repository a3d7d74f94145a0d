// The tracker's data directory: its key (tracker.key) and its ledger
// (ledger/, a LevelDB store). Only InitTrackerData (`tracker init`) creates
// them; opening never does: a missing directory, key or ledger, or a ledger
// whose CURRENT file is gone, is an error that names what is missing, never
// a new, empty tracker in its place.
#pragma once

#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/store/kv_store.h"

namespace tollstream {

struct TrackerData {
  KeyPair key;
  std::unique_ptr<KvStore> ledger;
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

}  // namespace tollstream
