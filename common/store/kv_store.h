// A durable ordered key-value store (LevelDB behind a small interface; the
// LevelDB headers appear only in kv_store.cpp and file_env.cpp).
//
// Keys and values are byte strings. Reads distinguish "absent" (nullopt) from
// failure (an Error: I/O or corruption). Every read verifies the checksums
// of what it reads, and the store is opened with LevelDB's paranoid checks:
// a changed byte on disk is an error, never another value. Thread-safe: any
// number of threads may read, write and iterate at once.
#pragma once

#include <memory>
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

// A consistent read-only view of the store at one moment.
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
  Status Write(const KvBatch& batch, bool sync);

  std::shared_ptr<const KvSnapshot> Snapshot() const;
  std::unique_ptr<KvIterator> NewIterator() const;
  std::unique_ptr<KvIterator> NewIterator(const KvSnapshot& snapshot) const;

 private:
  struct Impl;
  explicit KvStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
