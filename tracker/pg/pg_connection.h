// One connection to PostgreSQL through libpq, for the ledger kept there
// (`--store postgresql://…`). Statements take text parameters ($1, $2, …;
// never spliced into the SQL) and return rows as text.
//
// Errors: kUnavailable when the database cannot be reached or the
// connection is lost (the statement's outcome is then unknown if it was a
// COMMIT: see sqlstate()); kInternal for anything else the server refuses,
// with its message. sqlstate() tells the failures a transaction retries
// after: serialization_failure (40001) and deadlock_detected (40P01), which
// PostgreSQL-compatible distributed engines report the same way.
//
// Not thread-safe: one connection per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"

struct pg_conn;
struct pg_result;

namespace tollstream {

using PgParam = std::optional<std::string>;  // nullopt: SQL NULL

struct PgRows {
  std::vector<std::string> columns;
  std::vector<std::vector<PgParam>> rows;
  uint64_t affected = 0;  // rows an INSERT, UPDATE or DELETE touched
};

class PgConnection {
 public:
  // Connects to `url` (postgresql://USER@HOST:PORT/DB?…, as libpq takes it).
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<PgRows> Exec(const std::string& sql, const std::vector<PgParam>& params = {});
  // Runs `sql`, several statements without parameters (a schema).
  Status ExecScript(const std::string& sql);
  // The SQLSTATE of the last failed statement ("" after a success, or when
  // the server sent none: a lost connection).
  const std::string& sqlstate() const { return m_sqlstate; }
  // A failure that a transaction retries from its start.
  bool retryable() const { return m_sqlstate == "40001" || m_sqlstate == "40P01"; }
  // Connects again after a lost connection. Errors: as Open.
  Status Reset();

 private:
  explicit PgConnection(pg_conn* conn) : m_conn(conn) {}
  // Ok for a statement that succeeded; else the error, sqlstate() set.
  Status Check(pg_result* res);
  pg_conn* m_conn;
  std::string m_sqlstate;
};

// `url` with any password shown as "***", for logs and messages.
std::string PgUrlForLog(std::string url);

}  // namespace tollstream
