// The read-only views of the ledger (tracker/ledger_pages.h) over its
// PostgreSQL schema: the same figures, pages, cursors and errors as on
// LevelDB, each page one ordered query that stops after `limit` + 1 rows,
// served by the schema's indexes (open contracts by release time and by
// address are partial indexes). Each reads what is committed.
#pragma once

#include <string>

#include "common/base/result.h"
#include "tracker/ledger_pages.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

Result<LedgerFigures> PgFigures(PgConnection& db);
Result<LedgerPage> PgAccountsPage(PgConnection& db, const std::string& after, size_t limit);
Result<LedgerPage> PgContractsPage(PgConnection& db, ContractFilter filter,
                                   const std::string& after, size_t limit);
Result<LedgerPage> PgOpenContractsOf(PgConnection& db, const std::string& address,
                                     const std::string& after, size_t limit);
Result<OpenCount> PgCountOpenOnStream(PgConnection& db, const std::string& address,
                                      const std::string& stream, uint64_t most);
Result<json> PgContractView(PgConnection& db, const std::string& id);

}  // namespace tollstream
