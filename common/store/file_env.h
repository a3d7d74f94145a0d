// The LevelDB environment of a store on disk, one per opening of the store:
// table files are read with pread(2) instead of being mapped into memory,
// and write-ahead logs are written into zeros laid down ahead of them and
// stop at their first failure (see file_env.cpp). Only common/store/ uses
// it; the LevelDB headers stay out of this header.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/base/result.h"

namespace leveldb {
class Env;
}

namespace tollstream {

class FileEnv {
 public:
  FileEnv();
  ~FileEnv();
  FileEnv(const FileEnv&) = delete;
  FileEnv& operator=(const FileEnv&) = delete;

  // For leveldb::Options::env; lives as long as this.
  leveldb::Env* env() const;

  // Whether a log record was written whole and its sync then failed: that
  // record may be found when the store is opened again. The log wrote
  // nothing after it. Once true, stays true.
  bool sync_failed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// Whether the disk of the store in `dir` has room for what opening it
// writes: its logs' records as a table, and a new log's first chunk of
// zeros. Reserves that much in a scratch file in `dir`, then removes it.
// Errors: kUnavailable (no room, or the directory cannot be written).
Status CheckRoomToOpen(const std::string& dir);

}  // namespace tollstream
