#include "tracker/pg/pg_views.h"

#include <cstdlib>

#include "tracker/pg/pg_records.h"

namespace tollstream {
namespace {

// A page of the contracts `where` selects (its parameters from $2; $1 is
// the limit), in `order`: each row is a contract's id and columns.
Result<LedgerPage> ContractRows(PgConnection& db, const std::string& where,
                                const std::string& order, std::vector<PgParam> params,
                                size_t limit) {
  params.insert(params.begin(), std::to_string(limit + 1));
  auto rows = db.Exec(std::string("SELECT id, ") + kPgContractColumns + " FROM contracts WHERE " +
                          where + " ORDER BY " + order + " LIMIT $1",
                      params);
  if (!rows) return rows.error();
  LedgerPage page;
  for (size_t i = 0; i < rows->rows.size() && i < limit; ++i) {
    const auto& row = rows->rows[i];
    std::string id = row.at(0).value_or("");
    auto c = ContractRecord::FromJson(PgContractJson(id, row, 1));
    if (!c) return c.error();
    page.items.push_back(PublicContract(*c));
    if (rows->rows.size() > limit && i + 1 == limit) page.next = id;
  }
  return page;
}

}  // namespace

Result<LedgerFigures> PgFigures(PgConnection& db) {
  auto rows = db.Exec(std::string("SELECT (SELECT minted FROM supply), ") + kPgJournalTaken + ", " +
                      kPgTotalsSums + " FROM totals");
  if (!rows) return rows.error();
  const auto& r = rows->rows.at(0);
  return LedgerFigures{
      Supply{PgUnsigned(r[0]), PgUnsigned(r[1])},
      Totals{PgUnsigned(r[2]), PgUnsigned(r[3]), PgUnsigned(r[4]), PgUnsigned(r[5]),
             PgUnsigned(r[6]), PgUnsigned(r[7]), PgUnsigned(r[8])}};
}

Result<LedgerPage> PgAccountsPage(PgConnection& db, const std::string& after, size_t limit) {
  if (Status s = CheckAccountsPage(after, limit); !s) return s.error();
  auto rows = db.Exec(std::string("SELECT address, ") + kPgAccountColumns +
                          " FROM accounts WHERE address > $1 ORDER BY address LIMIT $2",
                      {after, std::to_string(limit + 1)});
  if (!rows) return rows.error();
  LedgerPage page;
  for (size_t i = 0; i < rows->rows.size() && i < limit; ++i) {
    const auto& row = rows->rows[i];
    std::string address = row.at(0).value_or("");
    auto account = Account::FromJson(PgAccountJson(address, row, 1));
    if (!account) return account.error();
    page.items.push_back(account->ToJson());
    if (rows->rows.size() > limit && i + 1 == limit) page.next = address;
  }
  return page;
}

Result<LedgerPage> PgContractsPage(PgConnection& db, ContractFilter filter,
                                   const std::string& after, size_t limit) {
  if (Status s = CheckContractsPage(after, limit); !s) return s.error();
  if (filter == ContractFilter::kAll) return ContractRows(db, "id > $2", "id", {after}, limit);
  if (after.empty()) {
    return ContractRows(db, "state = 'open'", "release_at, id", {}, limit);
  }
  // The cursor's place comes from its record (kept, with its release
  // time, after it closes).
  auto cursor = db.Exec("SELECT release_at FROM contracts WHERE id = $1", {after});
  if (!cursor) return cursor.error();
  if (cursor->rows.empty()) return MakeError(ErrorCode::kInvalidField, "after names no contract");
  return ContractRows(db, "state = 'open' AND (release_at, id) > ($2::bigint, $3)",
                      "release_at, id", {cursor->rows[0].at(0), after}, limit);
}

Result<LedgerPage> PgOpenContractsOf(PgConnection& db, const std::string& address,
                                     const std::string& after, size_t limit) {
  if (Status s = CheckHexId(address, "address"); !s) return s.error();
  if (Status s = CheckContractsPage(after, limit); !s) return s.error();
  return ContractRows(db,
                      "state = 'open' AND (spend_address = $2 OR income_address = $2) AND id > $3",
                      "id", {address, after}, limit);
}

Result<OpenCount> PgCountOpenOnStream(PgConnection& db, const std::string& address,
                                      const std::string& stream, uint64_t most) {
  auto rows = db.Exec(
      "SELECT count(*) FILTER (WHERE stream = $2), count(*) FROM (SELECT stream FROM contracts "
      "WHERE state = 'open' AND (spend_address = $1 OR income_address = $1) ORDER BY id "
      "LIMIT $3) walked",
      {address, stream, std::to_string(most)});
  if (!rows) return rows.error();
  return OpenCount{PgUnsigned(rows->rows.at(0)[0]), PgUnsigned(rows->rows.at(0)[1])};
}

Result<json> PgContractView(PgConnection& db, const std::string& id) {
  if (Status s = CheckHexId(id, "id"); !s) return s.error();
  auto page = ContractRows(db, "id = $2", "id", {id}, 1);
  if (!page) return page.error();
  if (page->items.empty()) return MakeError(ErrorCode::kNotFound, "no contract " + id);
  return page->items[0];
}

}  // namespace tollstream
