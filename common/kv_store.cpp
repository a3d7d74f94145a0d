#include "common/kv_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tollstream {
namespace {

leveldb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }

Error StoreError(const leveldb::Status& s) {
  return MakeError(ErrorCode::kUnavailable, "storage: " + s.ToString());
}

}  // namespace

struct KvBatch::Impl {
  leveldb::WriteBatch batch;
};

KvBatch::KvBatch() : m_impl(std::make_unique<Impl>()) {}
KvBatch::~KvBatch() = default;
KvBatch::KvBatch(KvBatch&&) noexcept = default;
KvBatch& KvBatch::operator=(KvBatch&&) noexcept = default;

void KvBatch::Put(std::string_view key, std::string_view value) {
  m_impl->batch.Put(AsSlice(key), AsSlice(value));
}
void KvBatch::Delete(std::string_view key) { m_impl->batch.Delete(AsSlice(key)); }
void KvBatch::Append(const KvBatch& other) { m_impl->batch.Append(other.m_impl->batch); }
size_t KvBatch::ApproximateSize() const { return m_impl->batch.ApproximateSize(); }
void KvBatch::Clear() { m_impl->batch.Clear(); }

class KvSnapshot {
 public:
  KvSnapshot(leveldb::DB* db, const leveldb::Snapshot* snapshot) : m_db(db), m_snapshot(snapshot) {}
  ~KvSnapshot() { m_db->ReleaseSnapshot(m_snapshot); }
  const leveldb::Snapshot* get() const { return m_snapshot; }

 private:
  leveldb::DB* m_db;
  const leveldb::Snapshot* m_snapshot;
};

namespace {

class LevelDbIterator final : public KvIterator {
 public:
  explicit LevelDbIterator(leveldb::Iterator* it) : m_it(it) {}
  void Seek(std::string_view key) override { m_it->Seek(AsSlice(key)); }
  bool Valid() const override { return m_it->Valid(); }
  void Next() override { m_it->Next(); }
  std::string_view key() const override {
    auto k = m_it->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    auto v = m_it->value();
    return {v.data(), v.size()};
  }
  Status status() const override {
    auto s = m_it->status();
    if (s.ok()) return Status::Ok();
    return StoreError(s);
  }

 private:
  std::unique_ptr<leveldb::Iterator> m_it;
};

// A table file read with pread(2) instead of a memory map.
class PreadFile final : public leveldb::RandomAccessFile {
 public:
  PreadFile(std::string name, int fd) : m_name(std::move(name)), m_fd(fd) {}
  ~PreadFile() override { ::close(m_fd); }
  leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result, char* scratch) const override {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::pread(m_fd, scratch + got, n - got, static_cast<off_t>(offset + got));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return leveldb::Status::IOError(m_name, std::strerror(errno));
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    *result = leveldb::Slice(scratch, got);
    return leveldb::Status::OK();
  }

 private:
  std::string m_name;
  int m_fd;
};

// LevelDB's default environment maps table files into memory (up to 1,000 of
// them on 64-bit systems): a full scan, such as an audit, then leaves every
// page it read in the process's resident set. This one reads them with
// pread instead, so that memory is the block cache and what the OS caches
// outside the process.
class PreadEnv final : public leveldb::EnvWrapper {
 public:
  PreadEnv() : leveldb::EnvWrapper(leveldb::Env::Default()) {}
  leveldb::Status NewRandomAccessFile(const std::string& name, leveldb::RandomAccessFile** result) override {
    int fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *result = nullptr;
      return errno == ENOENT ? leveldb::Status::NotFound(name, std::strerror(errno))
                             : leveldb::Status::IOError(name, std::strerror(errno));
    }
    *result = new PreadFile(name, fd);
    return leveldb::Status::OK();
  }
};

leveldb::Env* FileEnv() {
  static PreadEnv* env = new PreadEnv;  // lives as long as the process, like Env::Default()
  return env;
}

}  // namespace

struct KvStore::Impl {
  std::unique_ptr<leveldb::Env> mem_env;  // outlives db
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<leveldb::DB> db;
};

KvStore::KvStore(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}

KvStore::~KvStore() {
  m_impl->db.reset();  // before the env, cache and filter it uses
}

Result<std::unique_ptr<KvStore>> KvStore::Open(const std::string& path, const Options& options) {
  auto impl = std::make_unique<Impl>();
  leveldb::Options opts;
  opts.create_if_missing = options.create_if_missing;
  opts.paranoid_checks = true;
  opts.write_buffer_size = options.write_buffer_bytes;
  impl->cache.reset(leveldb::NewLRUCache(options.block_cache_bytes));
  opts.block_cache = impl->cache.get();
  impl->filter.reset(leveldb::NewBloomFilterPolicy(10));
  opts.filter_policy = impl->filter.get();
  if (options.in_memory) {
    impl->mem_env.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    opts.env = impl->mem_env.get();
  } else {
    opts.env = FileEnv();
  }
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, path, &db);
  if (!s.ok()) return StoreError(s);
  impl->db.reset(db);
  return std::unique_ptr<KvStore>(new KvStore(std::move(impl)));
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key) const {
  std::string value;
  leveldb::Status s = m_impl->db->Get(leveldb::ReadOptions(), AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StoreError(s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key,
                                                const KvSnapshot& snapshot) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  std::string value;
  leveldb::Status s = m_impl->db->Get(ro, AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StoreError(s);
  return std::optional<std::string>(std::move(value));
}

Status KvStore::Write(const KvBatch& batch, bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status s = m_impl->db->Write(wo, &batch.m_impl->batch);
  if (!s.ok()) return StoreError(s);
  return Status::Ok();
}

std::shared_ptr<const KvSnapshot> KvStore::Snapshot() const {
  return std::make_shared<const KvSnapshot>(m_impl->db.get(), m_impl->db->GetSnapshot());
}

std::unique_ptr<KvIterator> KvStore::NewIterator() const {
  return std::make_unique<LevelDbIterator>(m_impl->db->NewIterator(leveldb::ReadOptions()));
}

std::unique_ptr<KvIterator> KvStore::NewIterator(const KvSnapshot& snapshot) const {
  leveldb::ReadOptions ro;
  ro.snapshot = snapshot.get();
  ro.fill_cache = false;
  return std::make_unique<LevelDbIterator>(m_impl->db->NewIterator(ro));
}

}  // namespace tollstream
