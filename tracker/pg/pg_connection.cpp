#include "tracker/pg/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>

#include "common/observe/log.h"

namespace tollstream {
namespace {

// libpq's message, one line, without its trailing newline.
std::string OneLine(const char* text) {
  std::string m = text != nullptr ? text : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  std::replace(m.begin(), m.end(), '\n', ' ');
  return m;
}

void Notice(void*, const char* message) {
  LogWarn("PostgreSQL: " + OneLine(message));
}

// Connection failures, and a server that cannot serve now: shutting down
// (57P01-57P03), out of resources (class 53), a statement timeout (57014),
// a lock not available (55P03), a read-only standby (25006).
bool Unavailable(const std::string& state) {
  return state.starts_with("08") || state.starts_with("53") || state == "57P01" ||
         state == "57P02" || state == "57P03" || state == "57014" || state == "25006";
}

}  // namespace

bool PgRetryable(const std::string& sqlstate) {
  // A lock waited on past lock_timeout (55P03) is contention, as a deadlock is.
  return sqlstate == "40001" || sqlstate == "40P01" || sqlstate == "55P03";
}

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  char* why = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &why);
  PQfreemem(why);  // may quote the password: never shown
  if (parsed == nullptr) {
    return MakeError(ErrorCode::kInvalidField,
                     "the PostgreSQL URL does not parse (postgresql://USER@HOST:PORT/DATABASE)");
  }
  std::string user, host, port, dbname, password;
  for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
    std::string key = o->keyword;
    std::string value = o->val != nullptr ? o->val : "";
    if (key == "user") user = value;
    if (key == "host" || (key == "hostaddr" && host.empty())) host = value;
    if (key == "port") port = value;
    if (key == "dbname") dbname = value;
    if (key == "password") password = value;
  }
  PQconninfoFree(parsed);
  std::string shown = "postgresql://" + (user.empty() ? "" : user + "@") + host +
                      (port.empty() ? "" : ":" + port) + "/" + dbname;
  // Timeouts first: what the URL says comes after, and wins.
  const char* keys[] = {
      "connect_timeout",  "keepalives",       "keepalives_idle", "keepalives_interval",
      "keepalives_count", "tcp_user_timeout", "dbname",          nullptr};
  const char* values[] = {"10", "1", "10", "5", "3", "30000", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return MakeError(ErrorCode::kUnavailable, "out of memory connecting");
  auto db = std::unique_ptr<PgConnection>(new PgConnection(conn, shown, password));
  if (PQstatus(conn) != CONNECTION_OK) {
    return MakeError(ErrorCode::kUnavailable, "cannot connect to " + shown + ": " +
                                                  db->Masked(OneLine(PQerrorMessage(conn))));
  }
  // The server's side: a lock waited on for 10 s, or a transaction left
  // idle for 60 s (its client paused or cut off, holding row locks), is
  // given up, so one stalled instance cannot hold the others up. Set only
  // where the URL, PGOPTIONS or the server left them off (0).
  auto set = db->Exec(
      "SELECT CASE WHEN current_setting('lock_timeout') = '0' "
      "THEN set_config('lock_timeout', '10s', false) END, "
      "CASE WHEN current_setting('idle_in_transaction_session_timeout') = '0' "
      "THEN set_config('idle_in_transaction_session_timeout', '60s', false) END");
  if (!set) return set.error();
  return db;
}

PgConnection::PgConnection(pg_conn* conn, std::string shown, std::string password)
    : m_conn(conn), m_shown(std::move(shown)), m_password(std::move(password)) {
  PQsetNoticeProcessor(m_conn, Notice, nullptr);
}

PgConnection::~PgConnection() {
  PQfinish(m_conn);
}

std::string PgConnection::Masked(std::string text) const {
  if (m_password.empty()) return text;
  for (size_t at; (at = text.find(m_password)) != std::string::npos;)
    text.replace(at, m_password.size(), "***");
  return text;
}

Status PgConnection::Reset() {
  PQreset(m_conn);
  m_prepared.clear();  // a new session has none
  if (PQstatus(m_conn) != CONNECTION_OK) {
    return MakeError(ErrorCode::kUnavailable, "cannot connect to " + m_shown + " again: " +
                                                  Masked(OneLine(PQerrorMessage(m_conn))));
  }
  return Status::Ok();
}

Status PgConnection::Check(pg_result* res, std::string* sqlstate) {
  ExecStatusType status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (sqlstate != nullptr) sqlstate->clear();
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return Status::Ok();
  const char* field = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string state = field != nullptr ? field : "";
  if (sqlstate != nullptr) *sqlstate = state;
  std::string why = OneLine(res != nullptr ? PQresultErrorMessage(res) : nullptr);
  if (why.empty()) why = OneLine(PQerrorMessage(m_conn));
  why = "PostgreSQL: " + Masked(why);
  if (PQstatus(m_conn) != CONNECTION_OK || Unavailable(state))
    return MakeError(ErrorCode::kUnavailable, why);
  if (PgRetryable(state)) return MakeError(ErrorCode::kBusy, why);
  return MakeError(ErrorCode::kInternal, why);
}

Status PgConnection::ExecScript(const std::string& sql, std::string* sqlstate) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQexec(m_conn, sql.c_str()), PQclear);
  return Check(res.get(), sqlstate);
}

Status PgConnection::Commit(std::string* sqlstate) {
  std::string state;
  auto done = Exec("COMMIT", {}, &state);
  if (sqlstate != nullptr) *sqlstate = state;
  if (done) return Status::Ok();
  // Lost while COMMIT ran (also a server that shut down or crashed, 57P0x,
  // after the commit may have been made durable), or told so (40003): it
  // may have been applied.
  if (state == "40003" || done.error().code == ErrorCode::kUnavailable) {
    return MakeError(ErrorCode::kInternal,
                     "outcome unknown: the COMMIT was not answered (" + done.error().message + ")");
  }
  return done.error();
}

bool PgConnection::connected() const {
  return PQstatus(m_conn) == CONNECTION_OK;
}

bool PgConnection::idle() const {
  return PQstatus(m_conn) == CONNECTION_OK && PQtransactionStatus(m_conn) == PQTRANS_IDLE;
}

Result<std::string> PgConnection::Prepared(const std::string& sql, std::string* sqlstate) {
  auto known = m_prepared.find(sql);
  if (known != m_prepared.end()) return known->second;
  bool statement = false;
  for (const char* verb : {"SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "}) {
    statement = statement || sql.starts_with(verb);
  }
  if (!statement || m_prepared.size() >= kMostPrepared) return std::string();
  std::string name = "tollstream_" + std::to_string(m_prepared.size());
  std::unique_ptr<PGresult, void (*)(PGresult*)> owned(
      PQprepare(m_conn, name.c_str(), sql.c_str(), 0, nullptr), PQclear);
  if (Status ok = Check(owned.get(), sqlstate); !ok) return ok.error();
  m_prepared.emplace(sql, name);
  return name;
}

Result<PgRows> PgConnection::Exec(const std::string& sql, const std::vector<PgParam>& params,
                                  std::string* sqlstate) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) {
    if (p && p->find('\0') != std::string::npos)
      return MakeError(ErrorCode::kInvalidField, "a text parameter may not hold a NUL byte");
    values.push_back(p ? p->c_str() : nullptr);
  }
  auto prepared = Prepared(sql, sqlstate);
  if (!prepared) return prepared.error();
  int n = static_cast<int>(values.size());
  std::unique_ptr<PGresult, void (*)(PGresult*)> owned(
      prepared->empty()
          ? PQexecParams(m_conn, sql.c_str(), n, nullptr, values.data(), nullptr, nullptr, 0)
          : PQexecPrepared(m_conn, prepared->c_str(), n, values.data(), nullptr, nullptr, 0),
      PQclear);
  PGresult* res = owned.get();
  if (Status ok = Check(res, sqlstate); !ok) return ok.error();
  PgRows out;
  int fields = PQnfields(res);
  for (int f = 0; f < fields; ++f) out.columns.emplace_back(PQfname(res, f));
  int tuples = PQntuples(res);
  out.rows.reserve(static_cast<size_t>(tuples));
  for (int t = 0; t < tuples; ++t) {
    std::vector<PgParam> row;
    row.reserve(static_cast<size_t>(fields));
    for (int f = 0; f < fields; ++f) {
      if (PQgetisnull(res, t, f)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(
            std::string(PQgetvalue(res, t, f), static_cast<size_t>(PQgetlength(res, t, f))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(res);
  if (PQresultStatus(res) == PGRES_COMMAND_OK && affected != nullptr && *affected != '\0')
    out.affected = std::stoull(affected);
  return out;
}

}  // namespace tollstream
