// A backup of the ledger: every record of its store at one moment (a
// snapshot, taken while the tracker serves), in a file the tracker signs,
// so that a restore finds any change, cut or mix-up of backups.
//
// The file (api-spec/openapi.yaml, /v1/backup):
//   "tollstream ledger backup 1\n"
//   {"tracker":"<hex key>","taken_at":<unix seconds>}\n
//   per record, in key order: 'R', key length and value length (4 bytes
//     each, big-endian), the key, the value
//   'E', then {"records":N,"sha256":"<hex>","signature":"<hex>"}\n
// where sha256 covers every byte before 'E', and signature is the tracker
// key's BIP-340 signature of TaggedHash("tollstream/ledger-backup", those
// 32 bytes).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/store/kv_store.h"
#include "common/wire/json.h"

namespace tollstream {

struct BackupSummary {
  PublicKey tracker;
  int64_t taken_at = 0;
  uint64_t records = 0;
  uint64_t bytes = 0;  // the whole file
  std::string sha256;  // hex

  json ToJson() const;
};

// Writes the backup of `store` as it is now to `out`, which returns false
// to stop (an error, kUnavailable). Errors: the store's, on reading.
Result<BackupSummary> WriteBackup(const KvStore& store, const KeyPair& key, int64_t now,
                                  const std::function<bool(std::string_view)>& out);

// The same into a new file at `path` (synced; refused when one is there).
Result<BackupSummary> WriteBackupFile(const KvStore& store, const KeyPair& key, int64_t now,
                                      const std::string& path);

// Checks the backup file at `path` (its form, digest and signature) and,
// when `expected` is not empty, that it is that tracker's. With `into`, also
// writes its records into it (a new, empty store), synced at the end.
// Errors: kInvalidField for a file that is not a whole, intact backup (the
// message says how), kForbidden for another tracker's, kUnavailable for
// I/O.
Result<BackupSummary> ReadBackupFile(const std::string& path, const PublicKey& expected,
                                     KvStore* into);

}  // namespace tollstream
