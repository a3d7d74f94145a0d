#include "tracker/pg/pg_connection.h"

#include <libpq-fe.h>

namespace tollstream {
namespace {

// libpq's message, one line, without its trailing newline.
std::string Message(const char* text) {
  std::string m = text != nullptr ? text : "";
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m)
    if (c == '\n') c = ' ';
  return m;
}

}  // namespace

Result<std::unique_ptr<PgConnection>> PgConnection::Open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return MakeError(ErrorCode::kUnavailable, "out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = Message(PQerrorMessage(conn));
    PQfinish(conn);
    return MakeError(ErrorCode::kUnavailable,
                     "cannot connect to " + PgUrlForLog(url) + ": " + why);
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(m_conn); }

Status PgConnection::Check(pg_result* res) {
  ExecStatusType status = res != nullptr ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    m_sqlstate.clear();
    return Status::Ok();
  }
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  m_sqlstate = state != nullptr ? state : "";
  std::string why = Message(res != nullptr ? PQresultErrorMessage(res) : nullptr);
  if (why.empty()) why = Message(PQerrorMessage(m_conn));
  // Class 08 (connection), admin or crash shutdown, cannot connect now.
  bool lost = PQstatus(m_conn) != CONNECTION_OK || m_sqlstate.starts_with("08") ||
              m_sqlstate == "57P01" || m_sqlstate == "57P02" || m_sqlstate == "57P03";
  return MakeError(lost ? ErrorCode::kUnavailable : ErrorCode::kInternal, "PostgreSQL: " + why);
}

Status PgConnection::Reset() {
  PQreset(m_conn);
  if (PQstatus(m_conn) != CONNECTION_OK)
    return MakeError(ErrorCode::kUnavailable, "cannot reconnect: " + Message(PQerrorMessage(m_conn)));
  return Status::Ok();
}

Status PgConnection::ExecScript(const std::string& sql) {
  std::unique_ptr<PGresult, void (*)(PGresult*)> res(PQexec(m_conn, sql.c_str()), PQclear);
  return Check(res.get());
}

Result<PgRows> PgConnection::Exec(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* res = PQexecParams(m_conn, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  std::unique_ptr<PGresult, void (*)(PGresult*)> owned(res, PQclear);
  if (Status ok = Check(res); !ok) return ok.error();
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
        row.emplace_back(std::string(PQgetvalue(res, t, f), static_cast<size_t>(PQgetlength(res, t, f))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(res);
  if (affected != nullptr && *affected != '\0') out.affected = std::stoull(affected);
  return out;
}

std::string PgUrlForLog(std::string url) {
  // postgresql://user:password@host/…: between the user's ':' and '@'.
  auto scheme = url.find("://");
  auto at = url.find('@', scheme == std::string::npos ? 0 : scheme + 3);
  auto colon = scheme == std::string::npos ? std::string::npos : url.find(':', scheme + 3);
  if (at != std::string::npos && colon != std::string::npos && colon < at)
    url = url.substr(0, colon + 1) + "***" + url.substr(at);
  // …?password=secret&…
  for (size_t p = url.find("password="); p != std::string::npos; p = url.find("password=", p + 1)) {
    size_t end = std::min(url.find('&', p), url.size());
    url.replace(p + 9, end - p - 9, "***");
  }
  return url;
}

}  // namespace tollstream
