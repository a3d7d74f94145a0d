// The ledger's schema in a throw-away PostgreSQL cluster: created once,
// versioned and bound to one tracker key; its money columns refuse what
// no amount may be; statements take parameters, never spliced SQL; and the
// failures a transaction retries are told apart.
#include "tracker/pg/pg_schema.h"

#include <doctest/doctest.h>

#include "tests/support/pg_cluster.h"

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
  CHECK(tables ==
        "accounts,announcements,answers,contracts,journal,owners,supply,tollstream_schema,totals\n");
  CHECK(pg.Psql("SELECT count(*), sum(contracts_opened) FROM totals") == "16|0\n");
  CHECK(pg.Psql("SELECT minted FROM supply") == "0\n");

  Status again = CreatePgSchema(*db, kKey);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(again.error().message.find("version 1") != std::string::npos);

  Status other = CheckPgSchema(*db, kOtherKey);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == ErrorCode::kForbidden);

  pg.Psql("UPDATE tollstream_schema SET version = 2");
  Status newer = CheckPgSchema(*db, kKey);
  REQUIRE_FALSE(newer.ok());
  CHECK(newer.error().code == ErrorCode::kUnsupportedVersion);
  CHECK(newer.error().message ==
        "the ledger's schema is version 2; this tracker knows version 1");
}

TEST_CASE("money columns hold exactly what an amount may be") {
  test::PgCluster pg;
  auto db = Connect(pg);
  REQUIRE(CreatePgSchema(*db, kKey).ok());
  const std::string insert = "INSERT INTO accounts (address, kind, balance) VALUES ($1, 'ordinary', $2)";
  CHECK(db->Exec(insert, {std::string(64, '1'), "9007199254740991"}).ok());  // 2^53 - 1
  for (const char* bad : {"9007199254740992", "-1"}) {
    CAPTURE(bad);
    auto refused = db->Exec(insert, {std::string(64, '2'), std::string(bad)});
    REQUIRE_FALSE(refused.ok());
    CHECK(db->sqlstate() == "23514");  // check_violation
    CHECK_FALSE(db->retryable());
  }
  // Nothing half done: only the first row is there.
  CHECK(pg.Psql("SELECT count(*), sum(balance) FROM accounts") == "1|9007199254740991\n");
  // An address that is not 64 lowercase hex digits is refused too.
  CHECK_FALSE(db->Exec(insert, {std::string(64, 'G'), "1"}).ok());
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
  REQUIRE(a->Exec("UPDATE totals SET contracts_opened = contracts_opened + 1 WHERE shard = 0").ok());
  REQUIRE(b->Exec("UPDATE totals SET contracts_opened = contracts_opened + 1 WHERE shard = 1").ok());
  REQUIRE(a->Exec("COMMIT").ok());
  auto second = b->Exec("COMMIT");
  REQUIRE_FALSE(second.ok());
  CHECK(b->sqlstate() == "40001");
  CHECK(b->retryable());
  CHECK(second.error().code == ErrorCode::kInternal);
  CHECK(pg.Psql("SELECT sum(contracts_opened) FROM totals") == "1\n");
}

TEST_CASE("a database away is unavailable, and the password is never said") {
  test::PgCluster pg;
  std::string url = "postgresql://tollstream:hunter2-secret@127.0.0.1:" +
                    std::to_string(pg.port()) + "/tollstream?password=hunter2-secret";
  auto db = Connect(pg);
  pg.Stop("immediate");
  auto lost = db->Exec("SELECT 1");
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::kUnavailable);
  auto refused = PgConnection::Open(url);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  CHECK(refused.error().message.find("hunter2-secret") == std::string::npos);
  CHECK(refused.error().message.find("postgresql://tollstream:***@127.0.0.1:") != std::string::npos);
  // Back, a connection is made again.
  pg.Start();
  CHECK(db->Reset().ok());
  auto one = db->Exec("SELECT 1");
  REQUIRE(one.ok());
  CHECK(one->rows[0][0] == "1");
}

}  // namespace tollstream
