#include "common/store/kv_store.h"

#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/helpers/memenv.h>
#include <leveldb/write_batch.h>

#include <filesystem>
#include <thread>

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

Error Closed() {
  return MakeError(ErrorCode::kUnavailable, "storage: the store is closed (being reopened)");
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

// One opening of the store: the database and what it uses.
struct KvStore::Impl {
  std::unique_ptr<leveldb::Env> mem_env;  // outlives db
  std::unique_ptr<FileEnv> file_env;      // outlives db
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<leveldb::DB> db;
  ~Impl() { db.reset(); }  // before the env, cache and filter it uses
};

// A snapshot keeps the opening it was taken of: its reads go there, even
// after the store was reopened. Null `db`: taken of a closed store.
class KvSnapshot {
 public:
  KvSnapshot(std::shared_ptr<const void> owner, leveldb::DB* db)
      : m_owner(std::move(owner)), m_db(db), m_snapshot(db ? db->GetSnapshot() : nullptr) {}
  ~KvSnapshot() {
    if (m_db) m_db->ReleaseSnapshot(m_snapshot);
  }
  leveldb::DB* db() const { return m_db; }
  const std::shared_ptr<const void>& owner() const { return m_owner; }
  const leveldb::Snapshot* get() const { return m_snapshot; }

 private:
  std::shared_ptr<const void> m_owner;
  leveldb::DB* m_db;
  const leveldb::Snapshot* m_snapshot;
};

namespace {

class LevelDbIterator final : public KvIterator {
 public:
  LevelDbIterator(std::shared_ptr<const void> owner, leveldb::Iterator* it)
      : m_owner(std::move(owner)), m_it(it) {}
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
  std::shared_ptr<const void> m_owner;  // outlives m_it
  std::unique_ptr<leveldb::Iterator> m_it;
};

// An iterator over a closed store: empty, and says so.
class ClosedIterator final : public KvIterator {
 public:
  void Seek(std::string_view) override {}
  bool Valid() const override { return false; }
  void Next() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return Closed(); }
};

}  // namespace

KvStore::KvStore(std::string path, Options options, std::shared_ptr<Impl> impl)
    : m_path(std::move(path)), m_options(options), m_impl(std::move(impl)) {}

KvStore::~KvStore() = default;

Result<std::unique_ptr<KvStore>> KvStore::Open(const std::string& path, const Options& options) {
  // Asked before LevelDB, which makes the directory, its LOCK and LOG first.
  std::error_code ec;
  if (!options.create_if_missing && !options.in_memory &&
      !std::filesystem::exists(path + "/CURRENT", ec)) {
    return MakeError(ErrorCode::kUnavailable,
                     "there is no store in " + path + " (" + path + "/CURRENT does not exist)");
  }
  auto impl = std::make_shared<Impl>();
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
    impl->file_env = std::make_unique<FileEnv>();
    opts.env = impl->file_env->env();
  }
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, path, &db);
  if (!s.ok()) return OpenError(path, s);
  impl->db.reset(db);
  return std::unique_ptr<KvStore>(new KvStore(path, options, std::move(impl)));
}

std::shared_ptr<KvStore::Impl> KvStore::Current() const {
  std::unique_lock lock(m_mutex);
  m_reopened.wait(lock, [&] { return !m_reopening; });
  return m_impl;
}

Status KvStore::Reopen(std::chrono::milliseconds drain) {
  if (m_options.in_memory) return Status::Ok();
  std::lock_guard reopening(m_reopen_mutex);
  if (Status room = CheckRoomToOpen(m_path); !room) return room;
  std::shared_ptr<Impl> old;
  {
    std::lock_guard lock(m_mutex);
    m_reopening = true;  // what starts now waits
    old = std::move(m_impl);
  }
  Status reopened = SwapOpening(std::move(old), drain);
  {
    std::lock_guard lock(m_mutex);
    m_reopening = false;
  }
  m_reopened.notify_all();
  return reopened;
}

Status KvStore::SwapOpening(std::shared_ptr<Impl> old, std::chrono::milliseconds drain) {
  if (old) {
    // Nothing new takes hold of it now; wait for what holds it to let go.
    auto deadline = std::chrono::steady_clock::now() + drain;
    while (old.use_count() > 1) {
      if (std::chrono::steady_clock::now() >= deadline) {
        std::lock_guard lock(m_mutex);
        m_impl = std::move(old);
        return MakeError(ErrorCode::kBusy, "storage: still being read; not reopened");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    old.reset();  // closed: its lock on the directory is released
  }
  auto fresh = Open(m_path, m_options);
  if (!fresh) return fresh.error();
  std::lock_guard lock(m_mutex);
  m_impl = std::move((*fresh)->m_impl);
  return Status::Ok();
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key) const {
  auto impl = Current();
  if (!impl) return Closed();
  std::string value;
  leveldb::Status s = impl->db->Get(Checked(), AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StoreError(s);
  return std::optional<std::string>(std::move(value));
}

Result<std::optional<std::string>> KvStore::Get(std::string_view key,
                                                const KvSnapshot& snapshot) const {
  if (!snapshot.db()) return Closed();
  leveldb::ReadOptions ro = Checked();
  ro.snapshot = snapshot.get();
  std::string value;
  leveldb::Status s = snapshot.db()->Get(ro, AsSlice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return StoreError(s);
  return std::optional<std::string>(std::move(value));
}

Status KvStore::Write(const KvBatch& batch, bool sync) {
  auto impl = Current();
  if (!impl) return Closed();
  leveldb::WriteOptions wo;
  wo.sync = sync;
  leveldb::Status s = impl->db->Write(wo, &batch.m_impl->batch);
  if (s.ok()) return Status::Ok();
  if (impl->file_env && impl->file_env->sync_failed()) {
    return MakeError(ErrorCode::kInternal,
                     "storage: " + s.ToString() + " (a sync failed: the outcome is unknown)");
  }
  return StoreError(s);
}

std::shared_ptr<const KvSnapshot> KvStore::Snapshot() const {
  auto impl = Current();
  leveldb::DB* db = impl ? impl->db.get() : nullptr;
  return std::make_shared<const KvSnapshot>(std::move(impl), db);
}

std::unique_ptr<KvIterator> KvStore::NewIterator() const {
  auto impl = Current();
  if (!impl) return std::make_unique<ClosedIterator>();
  leveldb::Iterator* it = impl->db->NewIterator(Checked());
  return std::make_unique<LevelDbIterator>(std::move(impl), it);
}

std::unique_ptr<KvIterator> KvStore::NewIterator(const KvSnapshot& snapshot) const {
  if (!snapshot.db()) return std::make_unique<ClosedIterator>();
  leveldb::ReadOptions ro = Checked();
  ro.snapshot = snapshot.get();
  ro.fill_cache = false;
  // The iterator holds what the snapshot holds.
  return std::make_unique<LevelDbIterator>(snapshot.owner(), snapshot.db()->NewIterator(ro));
}

}  // namespace tollstream
