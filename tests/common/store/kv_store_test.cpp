#include "common/store/kv_store.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "common/base/files.h"
#include "common/base/hex.h"
#include "common/crypto/sha.h"
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
    CHECK(second.error().message == "the store in " + dir / "db" +
                                        " is in use by another process (it holds " + dir / "db" +
                                        "/LOCK)");
  }
  auto again = KvStore::Open(dir / "db");
  REQUIRE(again.ok());
  CHECK((*again)->Get("k")->value() == "v");
  KvStore::Options no_create;
  no_create.create_if_missing = false;
  auto missing = KvStore::Open(dir / "missing", no_create);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "there is no store in " + dir / "missing" + " (" +
                                       dir / "missing" + "/CURRENT does not exist)");
  CHECK_FALSE(std::filesystem::exists(dir / "missing"));
}

TEST_CASE("store: a changed byte in a table file is an error, never another value") {
  test::TempDir dir;
  // Hashes: nothing for LevelDB's compression to shorten, so the value lies
  // in the table file as written.
  std::string value = "value-";
  for (const char* part : {"a", "b", "c", "d"}) value += ToHex(Sha256(std::string_view(part)));
  {
    auto store = KvStore::Open(dir / "db");
    REQUIRE(store.ok());
    KvBatch b;
    b.Put("a/1", value);
    b.Put("a/2", "other");
    REQUIRE((*store)->Write(b, true).ok());
  }
  REQUIRE(KvStore::Open(dir / "db").ok());  // recovery writes the log into a table file
  std::string table;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "db")) {
    if (entry.path().extension() == ".ldb") table = entry.path();
  }
  REQUIRE_FALSE(table.empty());
  auto bytes = ReadWholeFile(table);
  REQUIRE(bytes.has_value());
  auto at = bytes->find(value);
  REQUIRE(at != std::string::npos);
  (*bytes)[at + 10] = (*bytes)[at + 10] == '0' ? '1' : '0';
  std::ofstream(table, std::ios::binary | std::ios::trunc) << *bytes;

  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  auto read = (*store)->Get("a/1");
  REQUIRE_FALSE(read.ok());
  CHECK(read.error().code == ErrorCode::kUnavailable);
  CHECK(read.error().message.find("Corruption") != std::string::npos);
  auto snapshot = (*store)->Snapshot();
  CHECK_FALSE((*store)->Get("a/1", *snapshot).ok());
  std::vector<std::unique_ptr<KvIterator>> iterators;
  iterators.push_back((*store)->NewIterator());
  iterators.push_back((*store)->NewIterator(*snapshot));
  for (auto& it : iterators) {
    size_t seen = 0;
    for (it->Seek(""); it->Valid(); it->Next()) ++seen;
    CHECK(seen == 0);  // the block holding both records cannot be read
    CHECK_FALSE(it->status().ok());
  }
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
      for (int j = i; j < i + 100; ++j)
        batch.Put("k/" + std::to_string(100000 + j),
                  std::string(300, static_cast<char>('a' + j % 26)));
      REQUIRE((*store)->Write(batch, false).ok());
    }
  }
  // Reopened: everything now comes from table files on disk.
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  bool tables = false;
  for (const auto& f : std::filesystem::directory_iterator(dir / "db"))
    tables |= f.path().extension() == ".ldb";
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

// The sizes of the store's write-ahead logs.
std::vector<uintmax_t> LogSizes(const std::string& dir) {
  std::vector<uintmax_t> sizes;
  for (const auto& f : std::filesystem::directory_iterator(dir)) {
    if (f.path().extension() == ".log") sizes.push_back(f.file_size());
  }
  return sizes;
}

TEST_CASE(
    "store: the log grows by chunks of zeros; synced writes survive a crash, and a clean close "
    "trims it") {
  test::TempDir dir;
  constexpr int kWrites = 3000;  // about 3 MB of log: several chunks
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // Writes, then dies without closing anything, as under kill -9.
    auto store = KvStore::Open(dir / "db");
    if (!store) _exit(2);
    for (int i = 0; i < kWrites; ++i) {
      KvBatch batch;
      batch.Put("k" + std::to_string(i), std::string(1000, static_cast<char>('a' + i % 26)));
      if (!(*store)->Write(batch, /*sync=*/true)) _exit(3);
    }
    std::vector<uintmax_t> sizes = LogSizes(dir / "db");
    // One log, at a whole number of chunks of 1 MiB.
    _exit(sizes.size() == 1 && sizes[0] > 0 && sizes[0] % (1 << 20) == 0 ? 0 : 4);
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  {
    auto store = KvStore::Open(dir / "db");
    REQUIRE(store.ok());
    for (int i = 0; i < kWrites; i += 97) {
      auto got = (*store)->Get("k" + std::to_string(i));
      REQUIRE(got.ok());
      REQUIRE(got->has_value());
      CHECK(**got == std::string(1000, static_cast<char>('a' + i % 26)));
    }
    std::string last(1000, static_cast<char>('a' + (kWrites - 1) % 26));
    CHECK(*(*store)->Get("k" + std::to_string(kWrites - 1)) == last);
    KvBatch batch;
    batch.Put("last", "x");
    REQUIRE((*store)->Write(batch, /*sync=*/true).ok());
  }
  // Closed cleanly: the log ends at its last record.
  for (uintmax_t size : LogSizes(dir / "db")) CHECK(size % (1 << 20) != 0);
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  CHECK(*(*store)->Get("last") == std::optional<std::string>("x"));
}

TEST_CASE(
    "store: a writer killed while a record spanning the log's blocks is half written loses only "
    "that record") {
  // LevelDB writes a record larger than a log block (32 KiB) as fragments,
  // each written on its own: a writer killed between them leaves the first
  // ones, then the log's zeros. The store must open, with every synced
  // record before it.
  test::TempDir dir;
  const std::string value(100 * 1024, 'v');
  for (int round = 0; round < 200; ++round) {
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(ready[0]);
      auto store = KvStore::Open(dir / "db");
      if (!store) _exit(2);
      for (int i = 0;; ++i) {
        KvBatch batch;
        batch.Put("r" + std::to_string(round) + "/" + std::to_string(i), value);
        if (!(*store)->Write(batch, /*sync=*/true)) _exit(3);
        if (i == 0) (void)!::write(ready[1], "x", 1);
      }
    }
    ::close(ready[1]);
    char c = 0;
    REQUIRE(::read(ready[0], &c, 1) == 1);  // the first record is on disk
    ::close(ready[0]);
    std::this_thread::sleep_for(std::chrono::microseconds(500 + round * 7919 % 5000));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(waitpid(child, &status, 0) == child);
    auto store = KvStore::Open(dir / "db");
    REQUIRE_MESSAGE(store.ok(), "round ", round, ": ", store.ok() ? "" : store.error().message);
    auto first = (*store)->Get("r" + std::to_string(round) + "/0");
    REQUIRE(first.ok());
    CHECK(*first == std::optional<std::string>(value));
  }
}

TEST_CASE("store: a last record cut short inside the log's zeros is dropped, the rest kept") {
  // A writer killed in the middle of writing a record leaves part of it,
  // then zeros: here the last record's last bytes are zeroed by hand.
  test::TempDir dir;
  constexpr int kWrites = 20;
  pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto store = KvStore::Open(dir / "db");
    if (!store) _exit(2);
    for (int i = 0; i < kWrites; ++i) {
      KvBatch batch;
      batch.Put("k" + std::to_string(i), std::string(1000, static_cast<char>('a' + i)));
      if (!(*store)->Write(batch, /*sync=*/true)) _exit(3);
    }
    _exit(0);  // without closing, as under kill -9
  }
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  std::filesystem::path log;
  for (const auto& f : std::filesystem::directory_iterator(dir / "db")) {
    if (f.path().extension() == ".log") log = f.path();
  }
  REQUIRE(!log.empty());
  std::string bytes = *ReadWholeFile(log);
  size_t end = bytes.find_last_not_of('\0');
  REQUIRE(end != std::string::npos);
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(end) - 99,
            bytes.begin() + static_cast<std::ptrdiff_t>(end) + 1, '\0');
  std::ofstream(log, std::ios::binary | std::ios::trunc) << bytes;

  auto store = KvStore::Open(dir / "db");
  REQUIRE_MESSAGE(store.ok(), (store.ok() ? "" : store.error().message));
  for (int i = 0; i + 1 < kWrites; ++i) {
    CHECK(*(*store)->Get("k" + std::to_string(i)) ==
          std::optional<std::string>(std::string(1000, static_cast<char>('a' + i))));
  }
  CHECK_FALSE((*store)->Get("k" + std::to_string(kWrites - 1))->has_value());
}

}  // namespace tollstream
