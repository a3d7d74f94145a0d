// A durable ordered key-value store (LevelDB behind a small interface; the
// LevelDB headers appear only in common/store/*.cpp).
//
// Keys and values are byte strings. Reads distinguish "absent" (nullopt) from
// failure (an Error: I/O or corruption). Every read verifies the checksums
// of what it reads, and the store is opened with LevelDB's paranoid checks:
// a changed byte on disk is an error, never another value. Thread-safe: any
// number of threads may read, write and iterate at once.
//
// After a failed write the store may refuse every write (LevelDB keeps the
// error) until it is reopened: Reopen closes it and opens it again from
// what is on disk, as a restart would, without a new KvStore.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace tollstream {

// An atomic group of puts and deletes.
class KvBatch {
 public:
  KvBatch();
  ~KvBatch();
  KvBatch(KvBatch&&) noexcept;
  KvBatch& operator=(KvBatch&&) noexcept;

  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  // Appends every operation of `other`, after this batch's own.
  void Append(const KvBatch& other);
  size_t ApproximateSize() const;
  void Clear();

 private:
  friend class KvStore;
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// A consistent read-only view of the store at one moment. It reads the
// opening it was taken of, even after a Reopen; taken while the store was
// closed, its reads fail with kUnavailable.
class KvSnapshot;

// Walks keys in byte order.
class KvIterator {
 public:
  virtual ~KvIterator() = default;
  virtual void Seek(std::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // An error when iteration stopped because of I/O or corruption.
  virtual Status status() const = 0;
};

class KvStore {
 public:
  struct Options {
    bool in_memory = false;  // a store that lives in memory only (tests)
    bool create_if_missing = true;
    size_t block_cache_bytes = 8 << 20;
    size_t write_buffer_bytes = 4 << 20;
  };

  // Opens the store in directory `path`, creating it only when
  // `create_if_missing`. Errors: kUnavailable, with a message that names
  // the cause: no store there, the store in use by another process (its
  // LOCK held), damage (corruption), or the I/O error (permission denied,
  // no space left on device, ...).
  static Result<std::unique_ptr<KvStore>> Open(const std::string& path, const Options& options);
  static Result<std::unique_ptr<KvStore>> Open(const std::string& path) {
    return Open(path, Options{});
  }
  ~KvStore();

  Result<std::optional<std::string>> Get(std::string_view key) const;
  Result<std::optional<std::string>> Get(std::string_view key, const KvSnapshot& snapshot) const;

  // Applies `batch` atomically; with `sync`, returns only once it is on disk.
  // Errors: kUnavailable: not applied, and it never will be (at most part
  // of its log record reached the disk, and reading the log drops that);
  // kInternal: its outcome is unknown (its record was written whole, then
  // the sync failed): a Reopen finds it applied or not.
  Status Write(const KvBatch& batch, bool sync);

  // Closes the store and opens it again, without the error a failed write
  // left. First checks that the disk has room for what opening writes
  // (CheckRoomToOpen); else kUnavailable, the store left open as it was.
  // Then waits up to `drain` for the reads, iterators and snapshots in
  // progress to end (else kBusy, the store left open); what starts
  // meanwhile waits for the Reopen to end. If opening fails, every
  // operation fails with kUnavailable until a Reopen succeeds. An in-memory
  // store is left as it is. One Reopen at a time.
  Status Reopen(std::chrono::milliseconds drain);

  std::shared_ptr<const KvSnapshot> Snapshot() const;
  std::unique_ptr<KvIterator> NewIterator() const;
  std::unique_ptr<KvIterator> NewIterator(const KvSnapshot& snapshot) const;

 private:
  struct Impl;  // one opening
  KvStore(std::string path, Options options, std::shared_ptr<Impl> impl);
  // The current opening (null while closed); waits while a Reopen runs.
  std::shared_ptr<Impl> Current() const;
  // Reopen's part while readers wait: closes `old` once nothing holds it.
  Status SwapOpening(std::shared_ptr<Impl> old, std::chrono::milliseconds drain);

  const std::string m_path;
  const Options m_options;
  std::mutex m_reopen_mutex;
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_reopened;
  bool m_reopening = false;
  std::shared_ptr<Impl> m_impl;  // null while closed; held by readers while they read
};

}  // namespace tollstream
