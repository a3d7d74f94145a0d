// `tracker migrate`: a ledger copied from LevelDB into PostgreSQL and back
// gives identical audit figures each way, and trackers serve the copies as
// they served the original: balances, open contracts that can still be
// closed, and past requests answered as before. A ledger of 10^5 contracts
// makes the round trip too. A target that holds a ledger is refused.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "common/client/tracker_api.h"
#include "common/wire/signing.h"
#include "tests/support/built_ledger.h"
#include "tests/support/tracker_fixture.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream::test {
namespace {

std::pair<int, json> Migrate(const std::string& dir, const std::string& store,
                             const std::string& to) {
  auto [status, out] = RunCommand(
      {BinaryPath("tracker"), "migrate", "--data-dir", dir, "--store", store, "--to", to},
      std::chrono::seconds(300));
  json report = json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded()) MESSAGE(out);
  return {status, report};
}

// A new data directory holding only the key of `dir`.
std::string KeyOnly(const TempDir& tmp, const std::string& name, const std::string& dir) {
  std::string to = tmp / name;
  std::filesystem::create_directories(to);
  std::filesystem::copy_file(dir + "/tracker.key", to + "/tracker.key");
  return to;
}

}  // namespace

TEST_CASE("a served ledger copied to PostgreSQL and back is served as it was") {
  TrackerFixture t;  // its ledger in LevelDB
  REQUIRE(t.store().empty());
  Party viewer, broadcaster, payee;
  viewer.client = t.NewClient(viewer.key);
  broadcaster.client = t.NewClient(broadcaster.key);
  t.Mint(viewer.address(), 10'000);
  TrackerApi api(*viewer.client);
  json transfer = viewer.client->MakeRequest("transfer", {{"to", payee.address()}, {"amount", 7}});
  Hash256 transfer_id = DigestOf(SignedKind::kRequest, transfer);
  auto first = viewer.client->Send("transfer", transfer.dump(), transfer_id);
  REQUIRE(first.ok());
  auto spend = api.GetSpendAddress(1000);
  auto income = TrackerApi(*broadcaster.client).GetIncomeAddress();
  REQUIRE(spend.ok());
  REQUIRE(income.ok());
  PublicKey tk = t.tracker_key().public_key();
  // Closed under renditions: their prices and counts come along both ways.
  Contract closed =
      SignedContract(viewer, broadcaster, tk, *spend, *income, 2, 10, UnixNow() + 600);
  SetRenditions(closed, viewer, broadcaster, {{"hd", 2}, {"sd", 1}});
  Contract open = SignedContract(viewer, broadcaster, tk, *spend, *income, 3, 10, UnixNow() + 600);
  Contract last = SignedContract(viewer, broadcaster, tk, *spend, *income, 1, 10, UnixNow() + 600);
  for (const Contract* c : {&closed, &open}) {
    REQUIRE(TrackerApi(*broadcaster.client).OpenContract(c->ToJson()).ok());
  }
  REQUIRE(TrackerApi(*broadcaster.client)
              .CloseContract(ToHex(closed.id),
                             SignedMixedReceipt(viewer, closed, {1, 3}, 4000).ToJson())
              .ok());
  auto closed_record = viewer.client->Call("contract", {{"id", ToHex(closed.id)}});
  REQUIRE(closed_record.ok());
  CHECK((*closed_record)["paid"] == 5);
  CHECK((*closed_record)["counts"] == json::array({1, 3}));
  REQUIRE(t.Stop() == 0);

  TempDir tmp;
  std::string store = SharedPgSchemaUrl();
  auto [to_pg, there] = Migrate(t.data_dir(), store, "postgresql");
  REQUIRE_MESSAGE(to_pg == 0, there.dump());
  CHECK(there["identical"] == true);
  CHECK(there["to"]["contracts_open"] == 1);
  CHECK(there["to"]["contracts_closed"] == 1);
  // Into a ledger that is not empty: refused, nothing changed.
  auto audit = [&store] {
    return RunCommand({BinaryPath("tracker"), "audit", "--store", store}).second;
  };
  std::string before = audit();
  auto [again, refused] = Migrate(t.data_dir(), store, "postgresql");
  CHECK(again == 2);
  CHECK(audit() == before);
  // A journal number taken and not used, as a change rolled back leaves.
  auto db = PgConnection::Open(store);
  REQUIRE(db.ok());
  REQUIRE((*db)->Exec("SELECT nextval('journal_seq')").ok());

  // Served from PostgreSQL: the same balances, the same answer to a retry.
  std::string pg_dir = KeyOnly(tmp, "pg", t.data_dir());
  auto served =
      std::make_unique<TrackerProcess>(pg_dir, std::vector<std::string>{"--store", store});
  TrackerClient at_pg(served->url, viewer.key);
  REQUIRE(at_pg.Handshake().ok());
  auto retry = at_pg.Send("transfer", transfer.dump(), transfer_id);
  REQUIRE(retry.ok());
  CHECK(retry->result == first->result);
  CHECK(*TrackerApi(at_pg).Balance(payee.address()) == 7);
  CHECK(*at_pg.Call("contract", {{"id", ToHex(closed.id)}}) == *closed_record);
  // The open contract closes there (its lock and indexes came along).
  TrackerClient b_at_pg(served->url, broadcaster.key);
  REQUIRE(b_at_pg.Handshake().ok());
  // The one open contract of `income` at `b`, found and closed for `segments`.
  auto close_the_open = [&](TrackerClient& b, const Contract& k, uint64_t segments) {
    auto listed = TrackerApi(b).OpenContracts(*income);
    REQUIRE(listed.ok());
    CHECK(listed->size() == 1);
    auto receipt = SignedReceipt(viewer, k, segments, segments * 1000).ToJson();
    REQUIRE(TrackerApi(b).CloseContract(ToHex(k.id), receipt).ok());
  };
  close_the_open(b_at_pg, open, 5);
  // One left open for the way back.
  REQUIRE(TrackerApi(b_at_pg).OpenContract(last.ToJson()).ok());
  uint64_t income_balance = *TrackerApi(b_at_pg).Balance(*income);
  served.reset();

  // And back into LevelDB: identical figures, served with the same answers.
  std::string back = KeyOnly(tmp, "back", t.data_dir());
  auto [to_leveldb, returned] = Migrate(back, store, "leveldb");
  REQUIRE_MESSAGE(to_leveldb == 0, returned.dump());
  CHECK(returned["identical"] == true);
  CHECK(returned["to"]["contracts_closed"] == 2);
  CHECK(returned["to"]["contracts_open"] == 1);
  // The journal numbered again: as many entries as it holds, without the gap.
  CHECK(returned["to"]["journal_entries"] == returned["from"]["journal_entries"]);
  auto [twice, refused_back] = Migrate(back, store, "leveldb");  // DIR/ledger is there
  CHECK(twice == 2);
  TrackerProcess at_back(back);
  TrackerClient c(at_back.url, viewer.key);
  REQUIRE(c.Handshake().ok());
  auto retry_back = c.Send("transfer", transfer.dump(), transfer_id);
  REQUIRE(retry_back.ok());
  CHECK(retry_back->result == first->result);
  CHECK(*TrackerApi(c).Balance(*income) == income_balance);
  CHECK(*c.Call("contract", {{"id", ToHex(closed.id)}}) == *closed_record);
  // The contract left open closes on LevelDB (its index keys were made again).
  TrackerClient b_back(at_back.url, broadcaster.key);
  REQUIRE(b_back.Handshake().ok());
  close_the_open(b_back, last, 2);
  CHECK(TrackerApi(c).Transfer(payee.address(), 1).ok());  // it takes changes
}

TEST_CASE("10^5 contracts: LevelDB to PostgreSQL to LevelDB with identical audit figures") {
  // 10^5, unless TOLLSTREAM_TEST_MIGRATE_CONTRACTS says fewer (the sanitizer build's).
  const char* asked = std::getenv("TOLLSTREAM_TEST_MIGRATE_CONTRACTS");
  const uint64_t contracts = asked != nullptr ? std::strtoull(asked, nullptr, 10) : 100'000;
  MESSAGE("contracts: ", contracts);
  TempDir tmp;
  std::string dir = tmp / "tracker";
  auto [init, init_out] = RunCommand({BinaryPath("tracker"), "init", "--data-dir", dir});
  REQUIRE_MESSAGE(init == 0, init_out);
  KeyPair tracker = *LoadKeyFile(dir + "/tracker.key");
  std::vector<PairKeys> keys(50);
  REQUIRE(BuildLedger(dir, tracker, keys, contracts, 1, 10));

  std::string store = SharedPgSchemaUrl();
  auto [to_pg, there] = Migrate(dir, store, "postgresql");
  REQUIRE_MESSAGE(to_pg == 0, there.dump());
  CHECK(there["identical"] == true);
  CHECK(there["from"]["contracts_closed"] == contracts);
  std::string back = KeyOnly(tmp, "back", dir);
  auto [to_leveldb, returned] = Migrate(back, store, "leveldb");
  REQUIRE_MESSAGE(to_leveldb == 0, returned.dump());
  CHECK(returned["identical"] == true);
  CHECK(returned["to"] == there["from"]);  // the round trip: the figures it started with
}

}  // namespace tollstream::test
