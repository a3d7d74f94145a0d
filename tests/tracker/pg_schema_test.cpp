// The ledger's schema in a throw-away PostgreSQL cluster: created once,
// versioned and bound to one tracker key; its money columns refuse what
// no amount may be; statements take parameters, never spliced SQL; and the
// failures a transaction retries are told apart.
#include "tracker/pg/pg_schema.h"

#include <doctest/doctest.h>

#include "common/base/files.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream {
namespace {

const std::string kKey(64, 'a');
const std::string kOtherKey(64, 'b');

std::unique_ptr<PgConnection> Connect(const test::PgCluster& pg) {
  auto db = PgConnection::Open(pg.url());
  REQUIRE_MESSAGE(db.ok(), db.error().message);
  return std::move(*db);
}

}  // namespace

TEST_CASE("init creates the tables once; a tracker checks version and key") {
  test::PgCluster pg;
  auto db = Connect(pg);
  Status none = CheckPgSchema(*db, kKey);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code == ErrorCode::kNotFound);
  CHECK(none.error().message.find("tracker init --store") != std::string::npos);

  REQUIRE(CreatePgSchema(*db, kKey).ok());
  CHECK(CheckPgSchema(*db, kKey).ok());
  // What an operator sees with psql.
  std::string tables = pg.Psql(
      "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
      "WHERE table_schema = 'public'");
  CHECK(
      tables ==
      "accounts,announcements,answers,contracts,journal,owners,supply,tollstream_schema,totals\n");
  // Each described for psql's \dt+.
  CHECK(pg.Psql("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = 'public' AND c.relkind = 'r' AND "
                "obj_description(c.oid, 'pg_class') IS NOT NULL") == "9\n");
  CHECK(pg.Psql("SELECT count(*), sum(contracts_opened) FROM totals") == "16|0\n");
  CHECK(pg.Psql("SELECT minted FROM supply") == "0\n");

  Status again = CreatePgSchema(*db, kKey);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(again.error().message == "the database holds a tollstream ledger already");

  Status other = CheckPgSchema(*db, kOtherKey);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == ErrorCode::kForbidden);

  pg.Psql("UPDATE tollstream_schema SET version = 3");
  Status newer = CheckPgSchema(*db, kKey);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(newer.error().message == "the ledger's schema is version 3; this tracker knows version 2");
  auto not_down = UpgradePgSchema(*db, kKey);
  REQUIRE_FALSE(not_down.ok());
  CHECK(not_down.error().code == ErrorCode::kUnsupportedVersion);
}

TEST_CASE("an older schema is refused until upgraded, in one transaction, with its rows kept") {
  test::PgCluster pg;
  auto db = Connect(pg);
  REQUIRE(CreatePgSchema(*db, kKey, 1).ok());
  auto columns = [&] {
    return pg.Psql(
        "SELECT string_agg(column_name, ',' ORDER BY column_name) FROM "
        "information_schema.columns WHERE table_schema = 'public' AND column_name LIKE "
        "'rendition%'");
  };
  CHECK(columns() == "\n");
  pg.Psql(
      "INSERT INTO announcements (stream, broadcaster, origin, url, price, income_address, "
      "expires, since) VALUES ('s', '" +
      kKey + "', '" + kKey + "', 'http://a', 1, '" + kKey + "', 10, 1)");

  Status old = CheckPgSchema(*db, kKey);
  REQUIRE_FALSE(old.ok());
  CHECK(old.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(old.error().message ==
        "the ledger's schema is version 1, older than this tracker's 2: upgrade it with tracker "
        "init --store URL --upgrade");
  // `tracker audit --store`, which has no key, says the same.
  test::TempDir dir;
  test::Process audit({test::BinaryPath("tracker"), "audit", "--store", pg.url()}, dir / "err");
  CHECK(audit.Wait(std::chrono::seconds(60)) != 0);
  CHECK(ReadWholeFile(dir / "err").value_or("") == "tracker: " + old.error().message + "\n");
  Status version = CheckPgSchemaVersion(*db);
  REQUIRE_FALSE(version.ok());
  CHECK(version.error().message == old.error().message);

  auto other = UpgradePgSchema(*db, kOtherKey);  // another tracker's key: nothing done
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == ErrorCode::kForbidden);
  CHECK(columns() == "\n");

  auto upgraded = UpgradePgSchema(*db, kKey);
  REQUIRE_MESSAGE(upgraded.ok(), upgraded.error().message);
  CHECK(*upgraded == 1);
  CHECK(CheckPgSchema(*db, kKey).ok());
  CHECK(columns() == "rendition_counts,rendition_names,rendition_prices,renditions\n");
  CHECK(pg.Psql("SELECT stream, renditions FROM announcements") == "s|\n");
  auto again = UpgradePgSchema(*db, kKey);
  REQUIRE(again.ok());
  CHECK(*again == 2);
}

TEST_CASE("money columns hold exactly what an amount may be; keys are lowercase hex") {
  test::PgCluster pg;
  auto db = Connect(pg);
  REQUIRE(CreatePgSchema(*db, kKey).ok());
  const std::string insert =
      "INSERT INTO accounts (address, kind, balance) VALUES ($1, 'ordinary', $2)";
  CHECK(db->Exec(insert, {std::string(64, '1'), "9007199254740991"}).ok());  // 2^53 - 1
  for (auto [address, balance] :
       std::vector<std::pair<std::string, std::string>>{{std::string(64, '2'), "9007199254740992"},
                                                        {std::string(64, '3'), "-1"},
                                                        {std::string(64, 'A'), "1"},
                                                        {std::string(63, '4'), "1"}}) {
    CAPTURE(address);
    CAPTURE(balance);
    std::string state;
    auto refused = db->Exec(insert, {address, balance}, &state);
    REQUIRE_FALSE(refused.ok());
    CHECK(state == "23514");  // check_violation
    CHECK(refused.error().code == ErrorCode::kInternal);
  }
  CHECK(pg.Psql("SELECT count(*), sum(balance) FROM accounts") == "1|9007199254740991\n");
  // Locked never over the balance.
  std::string state;
  CHECK_FALSE(db->Exec("UPDATE accounts SET locked = balance + 1", {}, &state).ok());
  CHECK(state == "23514");
}

TEST_CASE("parameters are values, never SQL") {
  test::PgCluster pg;
  auto db = Connect(pg);
  REQUIRE(CreatePgSchema(*db, kKey).ok());
  std::string title = "x'); DROP TABLE accounts; --";
  auto added = db->Exec(
      "INSERT INTO announcements (stream, broadcaster, origin, url, price, income_address, "
      "expires, since, title) VALUES ('s', $1, $1, 'http://a', 1, $1, 10, 1, $2)",
      {kKey, title});
  REQUIRE_MESSAGE(added.ok(), added.error().message);
  CHECK(added->affected == 1);
  auto read = db->Exec("SELECT title, description FROM announcements WHERE stream = $1", {"s"});
  REQUIRE(read.ok());
  REQUIRE(read->rows.size() == 1);
  CHECK(read->rows[0][0] == title);
  CHECK(read->rows[0][1] == "");
  CHECK(read->columns == std::vector<std::string>{"title", "description"});
  CHECK(pg.Psql("SELECT count(*) FROM accounts") == "0\n");  // still there
  // A NUL byte cannot be a text parameter: refused, not cut short.
  auto nul = db->Exec("SELECT $1", {std::string("ab\0cd", 5)});
  REQUIRE_FALSE(nul.ok());
  CHECK(nul.error().code == ErrorCode::kInvalidField);
}

TEST_CASE("a serialization failure is told apart: the transaction is retried") {
  test::PgCluster pg;
  auto a = Connect(pg);
  auto b = Connect(pg);
  REQUIRE(CreatePgSchema(*a, kKey).ok());
  // Two SERIALIZABLE transactions that each read what the other writes.
  for (auto* db : {a.get(), b.get()}) {
    REQUIRE(db->Exec("BEGIN ISOLATION LEVEL SERIALIZABLE").ok());
    REQUIRE(db->Exec("SELECT sum(contracts_opened) FROM totals").ok());
  }
  REQUIRE(
      a->Exec("UPDATE totals SET contracts_opened = contracts_opened + 1 WHERE shard = 0").ok());
  REQUIRE(
      b->Exec("UPDATE totals SET contracts_opened = contracts_opened + 1 WHERE shard = 1").ok());
  REQUIRE(a->Commit().ok());
  std::string state;
  Status second = b->Commit(&state);
  REQUIRE_FALSE(second.ok());
  CHECK(state == "40001");
  CHECK(PgRetryable(state));
  CHECK(second.error().code == ErrorCode::kBusy);
  CHECK(pg.Psql("SELECT sum(contracts_opened) FROM totals") == "1\n");
  // After the failure, the next statement's state is its own.
  std::string next = "x";
  CHECK(b->Exec("SELECT 1", {}, &next).ok());
  CHECK(next.empty());
  CHECK_FALSE(PgRetryable("23514"));
  CHECK(PgRetryable("40P01"));
}

TEST_CASE("a database away is unavailable, and the password is never said") {
  test::PgCluster pg;
  std::string at = "127.0.0.1:" + std::to_string(pg.port());
  auto db = Connect(pg);
  CHECK(db->shown() == "postgresql://tollstream@" + at + "/tollstream");
  pg.Stop("immediate");
  auto lost = db->Exec("SELECT 1");
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::kUnavailable);
  // Refused connections, with the password written every way libpq takes it.
  for (std::string url : {"postgresql://tollstream:hunter2-secret@" + at + "/tollstream",
                          "postgresql://tollstream@" + at + "/tollstream?password=hunter2-secret",
                          "postgresql://tollstream@" + at + "/tollstream?pass%77ord=hunter2-secret",
                          "host=127.0.0.1 port=" + std::to_string(pg.port()) +
                              " user=tollstream password=hunter2-secret"}) {
    CAPTURE(url);
    auto refused = PgConnection::Open(url);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kUnavailable);
    CHECK(refused.error().message.find("hunter2") == std::string::npos);
    CHECK(refused.error().message.starts_with("cannot connect to postgresql://tollstream@" + at));
  }
  // A URL that does not parse: libpq's words (which quote it) are not said.
  for (std::string url : {"postgresql://u:pa%zzhunter2@" + at + "/db",
                          "postgresql://u@" + at + "/db?password=hun%00ter2"}) {
    auto bad = PgConnection::Open(url);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == ErrorCode::kInvalidField);
    CHECK(bad.error().message.find("hunter2") == std::string::npos);
    CHECK(bad.error().message.find("ter2") == std::string::npos);
  }
  // Back, a connection is made again.
  pg.Start();
  CHECK(db->Reset().ok());
  auto one = db->Exec("SELECT 1");
  REQUIRE(one.ok());
  CHECK(one->rows[0][0] == "1");
}

TEST_CASE("a COMMIT that is not answered has an unknown outcome") {
  test::PgCluster pg;
  auto db = Connect(pg);
  REQUIRE(CreatePgSchema(*db, kKey).ok());
  REQUIRE(db->Exec("BEGIN").ok());
  REQUIRE(db->Exec("UPDATE supply SET minted = 5").ok());
  pg.Stop("immediate");
  Status commit = db->Commit();
  REQUIRE_FALSE(commit.ok());
  CHECK(commit.error().code == ErrorCode::kInternal);
  CHECK(commit.error().message.starts_with("outcome unknown"));
}

}  // namespace tollstream
