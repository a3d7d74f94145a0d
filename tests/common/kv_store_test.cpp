#include <doctest/doctest.h>

#include <filesystem>
#include <vector>

#include "common/kv_store.h"
#include "tests/support/temp_dir.h"

namespace tollstream {

TEST_CASE("store: absent, put, delete, iterate, snapshot") {
  test::TempDir dir;
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  auto& db = **store;
  auto absent = db.Get("k");
  REQUIRE(absent.ok());
  CHECK_FALSE(absent->has_value());

  KvBatch batch;
  batch.Put("a/1", "one");
  batch.Put("a/2", "two");
  batch.Put("b/1", "other");
  REQUIRE(db.Write(batch, /*sync=*/true).ok());
  auto snapshot = db.Snapshot();
  KvBatch del;
  del.Delete("a/1");
  REQUIRE(db.Write(del, /*sync=*/true).ok());

  CHECK_FALSE(db.Get("a/1")->has_value());
  CHECK(db.Get("a/1", *snapshot)->value() == "one");
  std::vector<std::string> keys;
  auto it = db.NewIterator(*snapshot);
  for (it->Seek("a/"); it->Valid() && it->key().substr(0, 2) == "a/"; it->Next()) {
    keys.emplace_back(it->key());
  }
  CHECK(keys == std::vector<std::string>{"a/1", "a/2"});
  CHECK(it->status().ok());
}

TEST_CASE("store: data survives reopening; a second opener is refused") {
  test::TempDir dir;
  {
    auto store = KvStore::Open(dir / "db");
    REQUIRE(store.ok());
    KvBatch b;
    b.Put("k", "v");
    REQUIRE((*store)->Write(b, true).ok());
    auto second = KvStore::Open(dir / "db");
    REQUIRE_FALSE(second.ok());
    CHECK(second.error().code == ErrorCode::kUnavailable);
  }
  auto again = KvStore::Open(dir / "db");
  REQUIRE(again.ok());
  CHECK((*again)->Get("k")->value() == "v");
  KvStore::Options no_create;
  no_create.create_if_missing = false;
  CHECK_FALSE(KvStore::Open(dir / "missing", no_create).ok());
}

TEST_CASE("store: in-memory mode writes nothing to disk") {
  test::TempDir dir;
  KvStore::Options mem;
  mem.in_memory = true;
  auto store = KvStore::Open(dir / "mem", mem);
  REQUIRE(store.ok());
  KvBatch b;
  b.Put("k", "v");
  REQUIRE((*store)->Write(b, true).ok());
  CHECK((*store)->Get("k")->value() == "v");
  CHECK_FALSE(std::filesystem::exists(dir / "mem"));
}

TEST_CASE("store: table files are read back whole (pread, not a memory map)") {
  test::TempDir dir;
  const int kRecords = 20000;  // about 6 MB: more than one write buffer, so tables are written
  {
    auto store = KvStore::Open(dir / "db");
    REQUIRE(store.ok());
    for (int i = 0; i < kRecords; i += 100) {
      KvBatch batch;
      for (int j = i; j < i + 100; ++j) batch.Put("k/" + std::to_string(100000 + j), std::string(300, static_cast<char>('a' + j % 26)));
      REQUIRE((*store)->Write(batch, false).ok());
    }
  }
  // Reopened: everything now comes from table files on disk.
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  bool tables = false;
  for (const auto& f : std::filesystem::directory_iterator(dir / "db")) tables |= f.path().extension() == ".ldb";
  CHECK(tables);
  auto value = (*store)->Get("k/" + std::to_string(100000 + 12345));
  REQUIRE(value.ok());
  CHECK(**value == std::string(300, static_cast<char>('a' + 12345 % 26)));
  int seen = 0;
  auto it = (*store)->NewIterator();
  for (it->Seek("k/"); it->Valid(); it->Next()) {
    CHECK(it->value() == std::string(300, static_cast<char>('a' + seen % 26)));
    ++seen;
  }
  CHECK(it->status().ok());
  CHECK(seen == kRecords);
}

}  // namespace tollstream
