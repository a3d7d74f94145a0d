#include "common/store/kv_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include <filesystem>

#include "common/store/file_env.h"

namespace tollstream {
namespace {

leveldb::Slice AsSlice(std::string_view s) {
  return {s.data(), s.size()};
}

Error StoreError(const leveldb::Status& s) {
  return MakeError(ErrorCode::kUnavailable, "storage: " + s.ToString());
}

// Why the store in `path` could not be opened, in words that name the cause.
Error OpenError(const std::string& path, const leveldb::Status& s) {
  std::string what = s.ToString();
  auto says = [&](std::string_view text) { return what.find(text) != std::string::npos; };
  std::string why;
  if (s.IsCorruption()) {
    why = "the store in " + path + " is damaged (" + what + ")";
  } else if (says("/LOCK: Resource temporarily unavailable") || says("/LOCK: already held")) {
    why = "the store in " + path + " is in use by another process (it holds " + path + "/LOCK)";
  } else {  // I/O: permission denied, no space left on device, ...
    why = "cannot open the store in " + path + ": " + what;
  }
  return MakeError(ErrorCode::kUnavailable, why);
}

// Every read checks the checksums of the blocks it reads: a changed byte in
// a table file is an error (Corruption), never a changed value.
leveldb::ReadOptions Checked() {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  return ro;
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
void KvBatch::Delete(std::string_view key) {
  m_impl->batch.Delete(AsSlice(key));
}
void KvBatch::Append(const KvBatch& other) {
  m_impl->batch.Append(other.m_impl->batch);
}
size_t KvBatch::ApproximateSize() const {
  return m_impl->batch.ApproximateSize();
}
void KvBatch::Clear() {
  m_impl->batch.Clear();
}

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
  // Asked before LevelDB, which makes the directory, its LOCK and LOG first.
  std::error_code ec;
  if (!options.create_if_missing && !options.in_memory &&
      !std::filesystem::exists(path + "/CURRENT", ec)) {
    return MakeError(ErrorCode::kUnavailable,
                     "there is no store in " + path + " (" + path + "/CURRENT does not exist)");
  }
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
  if (!s.ok()) return OpenError(path, s);
  impl->db.reset(db);
  return std::unique_ptr<KvStore>(new KvStore(std::move(impl)));
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key) const {
  std::string value;
  leveldb::Status s = m_impl->db->Get(Checked(), AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StoreError(s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key,
                                                const KvSnapshot& snapshot) const {
  leveldb::ReadOptions ro = Checked();
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
  return std::make_unique<LevelDbIterator>(m_impl->db->NewIterator(Checked()));
}

std::unique_ptr<KvIterator> KvStore::NewIterator(const KvSnapshot& snapshot) const {
  leveldb::ReadOptions ro = Checked();
  ro.snapshot = snapshot.get();
  ro.fill_cache = false;
  return std::make_unique<LevelDbIterator>(m_impl->db->NewIterator(ro));
}

}  // namespace tollstream
