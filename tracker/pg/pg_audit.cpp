#include "tracker/pg/pg_audit.h"

#include <cstdlib>

#include "tracker/pg/pg_records.h"

namespace tollstream {
namespace {

constexpr int kMaxProblems = 50;

// Each query returns one problem per row, as text (at most kMaxProblems).
constexpr const char* kProblemQueries[] = {
    // Balances are the journal's sums.
    "WITH net AS (SELECT address, sum(delta) AS balance FROM ("
    "  SELECT to_address AS address, amount::numeric AS delta FROM journal"
    "  UNION ALL SELECT from_address, -amount::numeric FROM journal WHERE kind <> 'mint') m"
    "  GROUP BY address) "
    "SELECT CASE WHEN a.address IS NULL THEN 'the journal credits ' || n.address || "
    "  ', which has no account record' ELSE a.kind || ' address ' || a.address || ' holds ' || "
    "  a.balance || ', its journal gives ' || coalesce(n.balance, 0) END "
    "FROM accounts a FULL JOIN net n ON n.address = a.address "
    "WHERE coalesce(a.balance, 0) <> coalesce(n.balance, 0) ORDER BY 1 LIMIT 50",
    // Locks and open-contract counts agree with the open contracts.
    "WITH open AS (SELECT spend_address, income_address, lock FROM contracts "
    "  WHERE state = 'open'), "
    "locks AS (SELECT spend_address AS address, sum(lock) AS locked, count(*) AS n FROM open "
    "  GROUP BY 1), "
    "incomes AS (SELECT income_address AS address, count(*) AS n FROM open GROUP BY 1) "
    "SELECT a.kind || ' address ' || a.address || CASE WHEN a.locked <> coalesce(l.locked, 0) "
    "  THEN ' has locked ' || a.locked || ', its open contracts lock ' || "
    "  coalesce(l.locked, 0) ELSE ' miscounts its open contracts' END "
    "FROM accounts a LEFT JOIN locks l ON l.address = a.address "
    "  LEFT JOIN incomes i ON i.address = a.address "
    "WHERE a.locked <> coalesce(l.locked, 0) OR "
    "  a.open_contracts <> coalesce(l.n, 0) + coalesce(i.n, 0) ORDER BY 1 LIMIT 50",
    "SELECT a.kind || ' address ' || a.address || ' is closed but not empty' FROM accounts a "
    "WHERE a.kind <> 'ordinary' AND NOT a.open AND (a.balance <> 0 OR a.open_contracts <> 0) "
    "ORDER BY 1 LIMIT 50",
    // Each contract paid what its state allows: a closed one what its
    // segments cost (segments x price; with renditions, each one's count x
    // its price, the counts adding up to segments).
    "WITH c AS (SELECT id, state, lock, charged, paid, price, max_segments, segments, "
    "  coalesce(array_length(rendition_prices, 1), 0) AS renditions, "
    "  (SELECT coalesce(sum(p::numeric * n), 0) FROM unnest(rendition_prices, rendition_counts) "
    "    AS u(p, n)) AS mixed_cost, "
    "  (SELECT coalesce(sum(n), 0) FROM unnest(rendition_counts) AS u(n)) AS counted, "
    "  coalesce(array_length(rendition_counts, 1), 0) AS counts FROM contracts), "
    "d AS (SELECT *, CASE WHEN renditions = 0 OR counts = 0 THEN price::numeric * segments "
    "  ELSE mixed_cost END AS cost FROM c) "
    "SELECT 'contract ' || id || CASE "
    "  WHEN lock <> price::numeric * max_segments THEN ' locks other than price x max_segments' "
    "  WHEN state = 'open' AND paid <> 0 THEN ' is open but has paid' "
    "  WHEN state = 'closed' AND paid > lock THEN ' paid more than its lock' "
    "  WHEN counts > 0 AND counted <> segments THEN ' counts other than its segments' "
    "  WHEN counts = 0 AND renditions > 0 AND segments <> 0 "
    "    THEN ' counts no rendition of its segments' "
    "  WHEN state = 'closed' AND paid <> cost AND renditions > 0 "
    "    THEN ' paid other than its renditions'' counts x prices' "
    "  WHEN state = 'closed' AND paid <> cost THEN ' paid other than segments x price' "
    "  WHEN state = 'expired' AND paid <> 0 THEN ' expired but has paid' "
    "  ELSE ' charged other than one segment''s price on opening' END "
    "FROM d WHERE lock <> price::numeric * max_segments "
    "  OR (state <> 'closed' AND paid <> 0) "
    "  OR (counts > 0 AND counted <> segments) "
    "  OR (counts = 0 AND renditions > 0 AND segments <> 0) "
    "  OR (state = 'closed' AND (paid > lock OR paid <> cost)) "
    "  OR (charged <> 0 AND charged <> price) ORDER BY 1 LIMIT 50",
    // The totals agree with the contracts.
    "WITH t AS (SELECT sum(contracts_opened) AS opened, sum(contracts_closed) AS closed, "
    "  sum(contracts_expired) AS expired, sum(paid) AS paid, sum(charged) AS charged FROM totals), "
    "c AS (SELECT count(*) AS opened, count(*) FILTER (WHERE state = 'closed') AS closed, "
    "  count(*) FILTER (WHERE state = 'expired') AS expired, coalesce(sum(paid), 0) AS paid, "
    "  coalesce(sum(charged), 0) AS charged FROM contracts) "
    "SELECT 'the totals disagree with the contracts' FROM t, c "
    "WHERE (t.opened, t.closed, t.expired, t.paid, t.charged) IS DISTINCT FROM "
    "  (c.opened, c.closed, c.expired, c.paid, c.charged)",
};

class PgAuditor {
 public:
  explicit PgAuditor(PgConnection& db) : m_db(db) {}

  Result<AuditReport> Run() {
    if (Status s = Figures(); !s) return s.error();
    for (const char* query : kProblemQueries) {
      auto rows = m_db.Exec(query);
      if (!rows) return rows.error();
      for (const auto& row : rows->rows) Problem(row.at(0).value_or("?"));
    }
    m_report.ok = m_report.problems.empty();
    return m_report;
  }

 private:
  void Problem(std::string what) {
    if (m_report.problems.size() < kMaxProblems) m_report.problems.push_back(std::move(what));
  }

  Status Figures() {
    auto rows = m_db.Exec(
        "SELECT (SELECT minted FROM supply), "
        "(SELECT coalesce(sum(balance), 0) FROM accounts), "
        "(SELECT coalesce(sum(locked), 0) FROM accounts), (SELECT count(*) FROM accounts), "
        "(SELECT count(*) FROM journal), "
        "(SELECT coalesce(sum(amount), 0) FROM journal WHERE kind = 'mint'), "
        "(SELECT count(*) FROM contracts WHERE state = 'open'), "
        "(SELECT count(*) FROM contracts WHERE state = 'closed'), "
        "(SELECT count(*) FROM contracts WHERE state = 'expired')");
    if (!rows) return rows.error();
    const auto& r = rows->rows.at(0);
    m_report.minted = PgUnsigned(r[0]);
    m_report.balances = PgUnsigned(r[1]);
    m_report.locked = PgUnsigned(r[2]);
    m_report.accounts = PgUnsigned(r[3]);
    m_report.journal_entries = PgUnsigned(r[4]);
    m_report.contracts_open = PgUnsigned(r[6]);
    m_report.contracts_closed = PgUnsigned(r[7]);
    m_report.contracts_expired = PgUnsigned(r[8]);
    if (PgUnsigned(r[5]) != m_report.minted) {
      Problem("journal mints add up to " + r[5].value_or("?") + ", the supply record says " +
              std::to_string(m_report.minted));
    }
    if (m_report.balances != m_report.minted) {
      Problem("balances add up to " + r[1].value_or("?") + ", the minted supply is " +
              std::to_string(m_report.minted));
    }
    return Status::Ok();
  }

  PgConnection& m_db;
  AuditReport m_report;
};

}  // namespace

Result<AuditReport> AuditPgLedger(PgConnection& db) {
  auto begun = db.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!begun) return begun.error();
  auto report = PgAuditor(db).Run();
  (void)db.Exec(report ? "COMMIT" : "ROLLBACK");
  return report;
}

}  // namespace tollstream
