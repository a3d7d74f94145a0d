// One connection to PostgreSQL through libpq, for the ledger kept there
// (`--store postgresql://…`). Statements take text parameters ($1, $2, …;
// never spliced into the SQL) and return rows as text.
//
// Errors:
//   kInvalidField  a URL that does not parse (libpq's own words are not
//                  repeated: they may quote the password), or a parameter
//                  holding a NUL byte;
//   kUnavailable   the database cannot be reached, the connection was lost,
//                  or the server cannot serve now (shutting down, out of
//                  resources, a statement timeout, a read-only standby):
//                  nothing was applied;
//   kBusy          a serialization failure, deadlock or lock timeout
//                  (SQLSTATE 40001, 40P01, as PostgreSQL-compatible
//                  distributed engines also report them, 55P03): retry the
//                  transaction from its start;
//   kInternal      anything else the server refuses, with its message; from
//                  Commit, also a COMMIT whose outcome is unknown (the
//                  connection was lost or the server stopped while it ran,
//                  or SQLSTATE 40003).
// A failed statement's SQLSTATE is passed back through `sqlstate` when
// asked ("" when the server sent none). Messages never hold the password.
// Queries and changes of rows are prepared on the connection at their first
// use and run by name after (a pooler that shares server sessions between
// clients per transaction would need its prepared-statement support).
// Connections time out (10 s to connect, TCP keepalives and a 30 s user
// timeout; on the server, a 10 s lock timeout and 60 s for a transaction
// left idle) unless the URL says otherwise, so a partition is reported,
// not waited out. Server notices go to the log.
//
// Not thread-safe: one connection per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/base/result.h"

struct pg_conn;
struct pg_result;

namespace tollstream {

using PgParam = std::optional<std::string>;  // nullopt: SQL NULL

struct PgRows {
  std::vector<std::string> columns;
  std::vector<std::vector<PgParam>> rows;
  uint64_t affected = 0;  // rows an INSERT, UPDATE or DELETE touched (0 for a query)
};

// Whether a transaction that failed with `sqlstate` is retried.
bool PgRetryable(const std::string& sqlstate);

class PgConnection {
 public:
  // Connects to `url` (postgresql://USER@HOST:PORT/DB?…, as libpq takes it).
  static Result<std::unique_ptr<PgConnection>> Open(const std::string& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  Result<PgRows> Exec(const std::string& sql, const std::vector<PgParam>& params = {},
                      std::string* sqlstate = nullptr);
  // Runs `sql`, several statements without parameters (a schema).
  Status ExecScript(const std::string& sql, std::string* sqlstate = nullptr);
  // COMMITs the open transaction (see kInternal above).
  Status Commit(std::string* sqlstate = nullptr);
  // Connects again after a lost connection. Errors: as Open.
  Status Reset();
  // Whether the connection is up.
  bool connected() const;
  // Whether the connection is up with no transaction open (fit for reuse).
  bool idle() const;
  // The URL as shown in logs and messages: user, host, port and database.
  const std::string& shown() const { return m_shown; }

 private:
  PgConnection(pg_conn* conn, std::string shown, std::string password);
  // The name of `sql` prepared on this connection (prepared at its first
  // use: the server parses and plans it once); "" for a statement that is
  // not a query or a change of rows (those are sent as they are), or past
  // kMostPrepared statements.
  Result<std::string> Prepared(const std::string& sql, std::string* sqlstate);
  // Ok for a statement that succeeded; else its error, `sqlstate` set.
  Status Check(pg_result* res, std::string* sqlstate);
  std::string Masked(std::string text) const;

  pg_conn* m_conn;
  std::string m_shown;
  std::string m_password;  // masked wherever it might appear
  static constexpr size_t kMostPrepared = 256;
  std::unordered_map<std::string, std::string> m_prepared;  // SQL -> its name
};

}  // namespace tollstream
