#include "tracker/tracker_data.h"

#include <filesystem>

#include "common/cli/key_file.h"
#include "tracker/ledger_indexes.h"
#include "tracker/pg/pg_schema.h"

namespace tollstream {
namespace {

namespace fs = std::filesystem;

Error Missing(const std::string& what) {
  return MakeError(ErrorCode::kNotFound, what);
}

// The key of the tracker in `dir`, both there.
Result<KeyPair> OpenKey(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Missing("the data directory " + dir +
                   " does not exist (a new tracker is created by `tracker init --data-dir " + dir +
                   "`)");
  }
  std::string key_path = dir + "/tracker.key";
  if (!fs::exists(key_path, ec)) {
    return Missing("the tracker key " + key_path +
                   " is missing: restore it from a backup (a tracker with another key is "
                   "another tracker)");
  }
  return LoadKeyFile(key_path);
}

// The key in `dir`, made unless there (`*created` says which).
Result<KeyPair> MakeOrKeepKey(const std::string& dir, bool* created) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create " + dir + ": " + ec.message());
  std::string key_path = dir + "/tracker.key";
  *created = !fs::exists(key_path, ec);
  return *created ? CreateKeyFile(key_path) : LoadKeyFile(key_path);
}

}  // namespace

std::string TrackerKeyPath(const std::string& dir) {
  return dir + "/tracker.key";
}

std::string TrackerLedgerPath(const std::string& dir) {
  return dir + "/ledger";
}

Result<TrackerData> InitTrackerData(const std::string& dir, const KvStore::Options& options,
                                    bool* key_created) {
  std::string ledger = TrackerLedgerPath(dir);
  std::error_code ec;
  // An empty directory (a disk of its own, mounted there) is taken.
  if (fs::exists(ledger, ec) && !(fs::is_directory(ledger, ec) && fs::is_empty(ledger, ec))) {
    return MakeError(ErrorCode::kConflict, ledger + " exists already: " + dir +
                                               " holds a tracker; init creates new ones only");
  }
  auto key = MakeOrKeepKey(dir, key_created);
  if (!key) return key.error();
  KvStore::Options create = options;
  create.create_if_missing = true;
  auto store = KvStore::Open(ledger, create);
  if (!store) return store.error();
  if (Status built = BuildMissingIndexes(**store); !built) return built.error();
  return TrackerData{*key, std::move(*store), ""};
}

Result<TrackerData> OpenTrackerData(const std::string& dir, const KvStore::Options& options) {
  std::error_code ec;
  auto key = OpenKey(dir);
  if (!key) return key.error();
  std::string ledger = TrackerLedgerPath(dir);
  if (!fs::is_directory(ledger, ec)) {
    return Missing("the ledger " + ledger +
                   " is missing: restore it from a backup (`tracker init --data-dir " + dir +
                   "` would start an empty ledger)");
  }
  if (!fs::exists(ledger + "/CURRENT", ec)) {
    return Missing("the ledger " + ledger +
                   " is damaged: its CURRENT file is missing; restore it from a backup");
  }
  KvStore::Options open = options;
  open.create_if_missing = false;
  auto store = KvStore::Open(ledger, open);
  if (!store) return store.error();
  if (Status built = BuildMissingIndexes(**store); !built) return built.error();
  return TrackerData{*key, std::move(*store), ""};
}

Result<TrackerData> InitPgTrackerData(const std::string& dir, const std::string& url,
                                      bool* key_created) {
  std::error_code ec;
  if (fs::exists(TrackerLedgerPath(dir), ec)) {
    return MakeError(ErrorCode::kConflict, TrackerLedgerPath(dir) + " exists: " + dir +
                                               " holds a tracker whose ledger is there");
  }
  auto db = PgConnection::Open(url);  // before any key is made
  if (!db) return db.error();
  auto key = MakeOrKeepKey(dir, key_created);
  if (!key) return key.error();
  if (Status made = CreatePgSchema(**db, key->public_key().ToHex()); !made) return made.error();
  return TrackerData{*key, nullptr, url};
}

Result<int> UpgradePgTrackerData(const std::string& dir, const std::string& url) {
  auto key = OpenKey(dir);
  if (!key) return key.error();
  auto db = PgConnection::Open(url);
  if (!db) return db.error();
  return UpgradePgSchema(**db, key->public_key().ToHex());
}

Result<TrackerData> OpenPgTrackerData(const std::string& dir, const std::string& url) {
  auto key = OpenKey(dir);
  if (!key) return key.error();
  auto db = PgConnection::Open(url);
  if (!db) return db.error();
  if (Status checked = CheckPgSchema(**db, key->public_key().ToHex()); !checked)
    return checked.error();
  return TrackerData{*key, nullptr, url};
}

}  // namespace tollstream
