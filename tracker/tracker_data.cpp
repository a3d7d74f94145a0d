#include "tracker/tracker_data.h"

#include <filesystem>

#include "common/cli/key_file.h"
#include "tracker/ledger_indexes.h"

namespace tollstream {
namespace {

namespace fs = std::filesystem;

Error Missing(const std::string& what) {
  return MakeError(ErrorCode::kNotFound, what);
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
  fs::create_directories(dir, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot create " + dir + ": " + ec.message());
  *key_created = !fs::exists(TrackerKeyPath(dir), ec);
  auto key = *key_created ? CreateKeyFile(TrackerKeyPath(dir)) : LoadKeyFile(TrackerKeyPath(dir));
  if (!key) return key.error();
  KvStore::Options create = options;
  create.create_if_missing = true;
  auto store = KvStore::Open(ledger, create);
  if (!store) return store.error();
  if (Status built = BuildMissingIndexes(**store); !built) return built.error();
  return TrackerData{*key, std::move(*store)};
}

Result<TrackerData> OpenTrackerData(const std::string& dir, const KvStore::Options& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Missing("the data directory " + dir +
                   " does not exist (a new tracker is created by `tracker init --data-dir " + dir +
                   "`)");
  }
  std::string key_path = TrackerKeyPath(dir);
  if (!fs::exists(key_path, ec)) {
    return Missing("the tracker key " + key_path +
                   " is missing: restore it from a backup (a tracker with another key is "
                   "another tracker)");
  }
  auto key = LoadKeyFile(key_path);
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
  return TrackerData{*key, std::move(*store)};
}

}  // namespace tollstream
