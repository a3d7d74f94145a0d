// Backups of the ledger (tracker/backup.h, `tracker backup`, `tracker
// restore`): taken while the tracker serves under load, restored into a
// fresh directory with an identical audit and identical balances; a changed,
// cut or foreign backup is refused and leaves nothing behind.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/base/clock.h"
#include "common/base/files.h"
#include "common/cli/key_file.h"
#include "common/http/http_server.h"
#include "tests/support/tracker_fixture.h"
#include "tracker/backup.h"

namespace tollstream::test {
namespace {

namespace fs = std::filesystem;

json AuditFigures(const std::string& report) {
  json figures = json::parse(report);
  figures.erase("restored");
  return figures;
}

// `tracker restore` into `dir`, with the key of the tracker in `key_from`
// copied there first.
std::pair<int, std::string> Restore(const std::string& backup, const std::string& dir,
                                    const std::string& key_from) {
  fs::create_directories(dir);
  fs::copy_file(key_from + "/tracker.key", dir + "/tracker.key");
  return RunCommand({BinaryPath("tracker"), "restore", "--from", backup, "--data-dir", dir});
}

}  // namespace

TEST_CASE("a backup taken under load restores to a ledger that holds, with the same figures") {
  TrackerFixture t;
  TempDir dir;
  constexpr int kParties = 4;
  std::vector<Party> parties(kParties);
  for (auto& p : parties) {
    p.client = t.NewClient(p.key);
    t.Mint(p.address(), 1000);
  }
  // Transfers around a ring from 4 threads while the backups are taken.
  std::atomic<bool> stop{false};
  std::atomic<int> moved{0};
  std::vector<std::thread> load;
  for (int i = 0; i < kParties; ++i) {
    load.emplace_back([&, i] {
      while (!stop) {
        auto r = parties[i].client->Call(
            "transfer", {{"to", parties[(i + 1) % kParties].address()}, {"amount", 1}});
        if (r.ok()) ++moved;
      }
    });
  }
  while (moved < 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  int moved_before = moved;
  auto taken = RunCommand({BinaryPath("tracker"), "backup", "--data-dir", t.data_dir(), "--tracker",
                           t.url(), "--out", dir / "during.backup"});
  int moved_after = moved;
  stop = true;
  for (auto& th : load) th.join();
  INFO(taken.second);
  REQUIRE(taken.first == 0);
  CHECK(moved_after > moved_before);  // the load went on while it was taken
  auto during = Restore(dir / "during.backup", dir / "during", t.data_dir());
  INFO(during.second);
  CHECK(during.first == 0);
  CHECK(json::parse(during.second)["ok"] == true);

  // Once the load stopped: the same audit figures as the live tracker's, and
  // a tracker serving the restored ledger shows the same balances. The
  // backup is asked of two URLs, the first refusing connections: it comes
  // from the one that answered.
  int gone_port = 0;
  {
    HttpServer gone;
    gone_port = gone.Bind("127.0.0.1", 0);  // closed again as it goes
  }
  REQUIRE(gone_port > 0);
  std::string two = "http://127.0.0.1:" + std::to_string(gone_port) + "," + t.url();
  auto after_taken = RunCommand({BinaryPath("tracker"), "backup", "--data-dir", t.data_dir(),
                                 "--tracker", two, "--out", dir / "after.backup"});
  INFO(after_taken.second);
  REQUIRE(after_taken.first == 0);
  auto live = t.Audit(true);
  REQUIRE(live.first == 0);
  auto after = Restore(dir / "after.backup", dir / "after", t.data_dir());
  REQUIRE(after.first == 0);
  CHECK(AuditFigures(after.second) == AuditFigures(live.second));
  TrackerProcess restored(dir / "after");
  for (auto& p : parties) {
    TrackerClient reader(restored.url, KeyPair::Generate());
    REQUIRE(reader.Handshake().ok());
    auto there = reader.Call("account", {{"address", p.address()}});
    auto here = p.client->Call("account", {{"address", p.address()}});
    REQUIRE(there.ok());
    CHECK((*there)["balance"] == (*here)["balance"]);
  }
  // A stopped tracker's ledger is read directly.
  REQUIRE(t.Stop() == 0);
  auto stopped = RunCommand({BinaryPath("tracker"), "backup", "--data-dir", t.data_dir(), "--out",
                             dir / "stopped.backup"});
  CHECK(stopped.first == 0);
  // Twice, the same records (the stamp in the header may differ).
  auto again = RunCommand(
      {BinaryPath("tracker"), "backup", "--data-dir", t.data_dir(), "--out", dir / "again.backup"});
  REQUIRE(again.first == 0);
  CHECK(json::parse(stopped.second)["records"] == json::parse(again.second)["records"]);
  auto from_stopped = Restore(dir / "stopped.backup", dir / "from-stopped", t.data_dir());
  CHECK(from_stopped.first == 0);
  CHECK(AuditFigures(from_stopped.second) == AuditFigures(live.second));
}

TEST_CASE("only the tracker's own key may take a backup") {
  TrackerFixture t;
  auto stranger = t.NewClient();
  auto r = stranger->Call("backup", json::object());
  REQUIRE(!r.ok());
  CHECK(r.error().code == ErrorCode::kForbidden);
  // `tracker backup` with another tracker's key: refused, no file left.
  TempDir dir;
  REQUIRE(RunCommand({BinaryPath("tracker"), "init", "--data-dir", dir / "other"}).first == 0);
  auto refused = RunCommand({BinaryPath("tracker"), "backup", "--data-dir", dir / "other",
                             "--tracker", t.url(), "--out", dir / "x.backup"});
  CHECK(refused.first == 2);
  CHECK(!fs::exists(dir / "x.backup"));
  CHECK(!fs::exists(dir / "x.backup.partial"));
}

TEST_CASE("a changed, cut or foreign backup is refused and restores nothing") {
  TempDir dir;
  auto store = KvStore::Open(dir / "ledger");
  REQUIRE(store.ok());
  KvBatch batch;
  for (int i = 0; i < 50; ++i) batch.Put("key" + std::to_string(i), std::string(i, 'v'));
  REQUIRE((*store)->Write(batch, true).ok());
  KeyPair key = KeyPair::Generate();
  auto written = WriteBackupFile(**store, key, 1700000000, dir / "good.backup");
  REQUIRE(written.ok());
  CHECK(written->records == 50);
  std::string good = *ReadWholeFile(dir / "good.backup");
  CHECK(written->bytes == good.size());

  // Every record comes back, in a new store.
  {
    auto copy = KvStore::Open(dir / "copy");
    REQUIRE(copy.ok());
    auto read = ReadBackupFile(dir / "good.backup", key.public_key(), copy->get());
    REQUIRE(read.ok());
    CHECK(read->sha256 == written->sha256);
    for (int i = 0; i < 50; ++i)
      CHECK(*(*copy)->Get("key" + std::to_string(i)).value() == std::string(i, 'v'));
  }
  // Another tracker's key: refused.
  CHECK(
      ReadBackupFile(dir / "good.backup", KeyPair::Generate().public_key(), nullptr).error().code ==
      ErrorCode::kForbidden);
  // One changed byte anywhere, or a cut anywhere: refused.
  for (size_t at = 0; at < good.size(); at += 7) {
    std::string changed = good;
    changed[at] ^= 0x20;
    std::ofstream(dir / "bad.backup", std::ios::binary | std::ios::trunc) << changed;
    auto bad = ReadBackupFile(dir / "bad.backup", PublicKey(), nullptr);
    INFO("byte ", at);
    CHECK(!bad.ok());
    std::ofstream(dir / "cut.backup", std::ios::binary | std::ios::trunc) << good.substr(0, at);
    CHECK(!ReadBackupFile(dir / "cut.backup", PublicKey(), nullptr).ok());
  }
}

TEST_CASE("tracker restore believes only its key's backups, and keeps only a ledger that holds") {
  TempDir dir;
  REQUIRE(RunCommand({BinaryPath("tracker"), "init", "--data-dir", dir / "t"}).first == 0);
  KeyPair key = *LoadKeyFile(dir / "t/tracker.key");
  // A ledger whose supply says 11 with nothing minted: it does not hold.
  {
    auto store = KvStore::Open(dir / "wrong");
    REQUIRE(store.ok());
    KvBatch batch;
    batch.Put("m/supply", json{{"minted", 11}, {"journal_next", 1}}.dump());
    REQUIRE((*store)->Write(batch, true).ok());
    REQUIRE(WriteBackupFile(**store, key, 1700000000, dir / "wrong.backup").ok());
    REQUIRE(WriteBackupFile(**store, KeyPair::Generate(), 1700000000, dir / "foreign.backup").ok());
  }
  auto restore = [&](const std::string& from, const std::string& into) {
    return RunCommand({BinaryPath("tracker"), "restore", "--from", from, "--data-dir", into});
  };
  // No key in the directory: refused, nothing written.
  CHECK(restore(dir / "wrong.backup", dir / "nokey").first == 2);
  CHECK(!fs::exists(dir / "nokey/ledger"));
  fs::create_directories(dir / "r");
  fs::copy_file(dir / "t/tracker.key", dir / "r/tracker.key");
  // Another key's backup (its header names that key): refused.
  CHECK(restore(dir / "foreign.backup", dir / "r").first == 2);
  CHECK(!fs::exists(dir / "r/ledger"));
  // This key's, but the ledger does not hold: the report, exit 1, nothing kept.
  auto wrong = restore(dir / "wrong.backup", dir / "r");
  CHECK(wrong.first == 1);
  CHECK(json::parse(wrong.second)["ok"] == false);
  CHECK(!fs::exists(dir / "r/ledger"));
  CHECK(!fs::exists(dir / "r/ledger.restoring"));
  // A damaged one: refused before anything is written.
  std::string changed = *ReadWholeFile(dir / "wrong.backup");
  changed[changed.size() / 2] ^= 1;
  std::ofstream(dir / "bad.backup", std::ios::binary | std::ios::trunc) << changed;
  CHECK(restore(dir / "bad.backup", dir / "r").first == 2);
  CHECK(!fs::exists(dir / "r/ledger"));
  CHECK(!fs::exists(dir / "r/ledger.restoring"));
}

}  // namespace tollstream::test
