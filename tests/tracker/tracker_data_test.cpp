// The tracker's data directory, with real processes: `tracker init` makes a
// new tracker and never overwrites one; `tracker run` creates nothing and
// refuses, naming the cause, a missing directory, key, ledger or CURRENT
// file, a damaged key file, a ledger in use by another tracker, a table file
// with a changed byte, and a ledger that does not pass its audit.
#include "tracker/tracker_data.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "common/base/files.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct Outcome {
  int status;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `tracker <command> --data-dir DIR ...`, to its end.
Outcome Tracker(const std::string& command, const std::string& data_dir,
                const std::string& stderr_path) {
  std::vector<std::string> argv = {BinaryPath("tracker"), command, "--data-dir", data_dir};
  if (command == "run") {
    argv.push_back("--listen");
    argv.push_back("127.0.0.1:0");
  }
  Process p(argv, stderr_path);
  std::string out = p.ReadAll(60s);
  int status = p.Wait(10s);
  return {status, out, ReadWholeFile(stderr_path).value_or("")};
}

// Every path under `dir`, to see that nothing was created.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir)) paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  return paths;
}

void Contains(const std::string& text, const std::string& part) {
  CHECK_MESSAGE(text.find(part) != std::string::npos, "\"" << part << "\" not in: " << text);
}

}  // namespace

TEST_CASE("tracker init makes a new tracker, keeps a key made before, never overwrites one") {
  TempDir dir;
  std::string data = dir / "new";
  Outcome made = Tracker("init", data, dir / "init.err");
  CHECK(made.status == 0);
  Contains(made.out, "key file:   " + data + "/tracker.key\n");
  Contains(made.out, "ledger:     " + data + "/ledger (empty)\n");
  auto key = LoadKeyFile(data + "/tracker.key");
  REQUIRE(key.ok());
  Contains(made.out, "public key (hex): " + key->public_key().ToHex());
  CHECK(fs::exists(data + "/ledger/CURRENT"));

  auto before = Listing(data);
  Outcome again = Tracker("init", data, dir / "again.err");
  CHECK(again.status == 2);
  Contains(again.err, data + "/ledger exists already");
  CHECK(Listing(data) == before);
  CHECK(LoadKeyFile(data + "/tracker.key")->public_key() == key->public_key());

  // A key made by `tracker keygen` first is kept.
  std::string keyed = dir / "keyed";
  REQUIRE(RunCommand({BinaryPath("tracker"), "keygen", "--data-dir", keyed}).first == 0);
  auto made_key = LoadKeyFile(keyed + "/tracker.key");
  REQUIRE(made_key.ok());
  Outcome kept = Tracker("init", keyed, dir / "kept.err");
  CHECK(kept.status == 0);
  Contains(kept.out, "key file:   " + keyed + "/tracker.key (kept)\n");
  CHECK(LoadKeyFile(keyed + "/tracker.key")->public_key() == made_key->public_key());

  // An empty ledger directory (a disk mounted there) is taken; one that
  // holds anything is not.
  std::string mounted = dir / "mounted";
  fs::create_directories(mounted + "/ledger");
  CHECK(Tracker("init", mounted, dir / "mounted.err").status == 0);
  CHECK(fs::exists(mounted + "/ledger/CURRENT"));
  std::string used = dir / "used";
  fs::create_directories(used + "/ledger");
  std::ofstream(used + "/ledger/notes") << "mine";
  Outcome refused = Tracker("init", used, dir / "used.err");
  CHECK(refused.status == 2);
  Contains(refused.err, used + "/ledger exists already");
  CHECK_FALSE(fs::exists(used + "/tracker.key"));
}

TEST_CASE("tracker run creates nothing: a missing directory, key, ledger or CURRENT is refused") {
  TrackerFixture t;
  std::string address = AddressOf(KeyPair::Generate().public_key());
  t.Mint(address, 500);
  REQUIRE(t.Stop() == 0);
  TempDir dir;

  SUBCASE("no data directory") {
    std::string none = dir / "none";
    Outcome r = Tracker("run", none, dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err, "the data directory " + none + " does not exist");
    Contains(r.err, "tracker init --data-dir " + none);
    CHECK_FALSE(fs::exists(none));
  }
  SUBCASE("no key") {
    fs::remove(t.data_dir() + "/tracker.key");
    auto before = Listing(t.data_dir());
    Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err, "the tracker key " + t.data_dir() + "/tracker.key is missing");
    CHECK(Listing(t.data_dir()) == before);
  }
  SUBCASE("no ledger") {
    fs::remove_all(t.data_dir() + "/ledger");
    auto before = Listing(t.data_dir());
    Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err, "the ledger " + t.data_dir() + "/ledger is missing");
    CHECK(Listing(t.data_dir()) == before);
  }
  SUBCASE("no CURRENT file in the ledger") {
    fs::remove(t.data_dir() + "/ledger/CURRENT");
    auto before = Listing(t.data_dir());
    Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err,
             "the ledger " + t.data_dir() + "/ledger is damaged: its CURRENT file is missing");
    CHECK(Listing(t.data_dir()) == before);
  }
  SUBCASE("a key file with a changed digit") {
    std::string path = t.data_dir() + "/tracker.key";
    auto text = ReadWholeFile(path);
    REQUIRE(text.has_value());
    (*text)[30] = (*text)[30] == '0' ? '1' : '0';
    std::ofstream(path, std::ios::trunc) << *text;
    Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err, "key file " + path + ": is damaged");
  }
  SUBCASE("the ledger in use by another tracker") {
    t.Start();
    Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
    CHECK(r.status == 2);
    Contains(r.err, "is in use by another process");
    Contains(r.err, "is another tracker running on " + t.data_dir() + "?");
    auto c = t.NewClient();
    auto account = c->Call("account", {{"address", address}});
    REQUIRE(account.ok());
    CHECK((*account)["balance"] == 500);
    return;
  }
  CHECK_FALSE(t.process().running());
}

TEST_CASE("a changed byte in a table file: the tracker refuses to start, serving nothing") {
  TrackerFixture t;
  std::string address = AddressOf(KeyPair::Generate().public_key());
  t.Mint(address, 123457);
  REQUIRE(t.Stop() == 0);
  t.Start();  // opening the ledger again writes what its log held into a table file
  REQUIRE(t.Stop() == 0);

  // The balance, as the account's record holds it, becomes 923457.
  size_t changed = 0;
  for (const auto& e : fs::directory_iterator(t.data_dir() + "/ledger")) {
    if (e.path().extension() != ".ldb") continue;
    auto bytes = ReadWholeFile(e.path());
    REQUIRE(bytes.has_value());
    for (size_t at = bytes->find("123457"); at != std::string::npos;
         at = bytes->find("123457", at + 1)) {
      (*bytes)[at] = '9';
      ++changed;
    }
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << *bytes;
  }
  REQUIRE(changed > 0);

  TempDir dir;
  Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
  CHECK(r.status == 2);
  CHECK(r.out.find("listening on") == std::string::npos);
  Contains(r.err, "Corruption");
  auto [audit_status, report] = t.Audit(/*running=*/false);
  CHECK(audit_status == 2);
}

namespace {

// The ledger of `t`, a tracker that minted once and stopped.
std::unique_ptr<KvStore> StoppedLedger(TrackerFixture& t) {
  t.Mint(AddressOf(KeyPair::Generate().public_key()), 10);
  REQUIRE(t.Stop() == 0);
  KvStore::Options options;
  options.create_if_missing = false;
  auto store = KvStore::Open(t.data_dir() + "/ledger", options);
  REQUIRE(store.ok());
  return std::move(*store);
}

}  // namespace

TEST_CASE("a tracker's ledger has its indexes built when it is opened") {
  TrackerFixture t;
  auto store = StoppedLedger(t);
  auto marker = store->Get("m/indexes");
  REQUIRE(marker.ok());
  REQUIRE(marker->has_value());
  CHECK(json::parse(**marker)["open_by_address"] == true);
}

TEST_CASE("a ledger that does not pass its audit is not served") {
  TrackerFixture t;
  {
    auto store = StoppedLedger(t);
    KvBatch damage;  // more minted than the balances hold
    damage.Put("m/supply", json{{"minted", 11}, {"journal_next", 1}}.dump());
    REQUIRE(store->Write(damage, true).ok());
  }
  TempDir dir;
  Outcome r = Tracker("run", t.data_dir(), dir / "run.err");
  CHECK(r.status == 2);
  CHECK(r.out.find("listening on") == std::string::npos);
  Contains(r.err, "the ledger does not pass its audit: ");
  Contains(r.err, "tracker audit --data-dir " + t.data_dir());
}

}  // namespace tollstream::test
