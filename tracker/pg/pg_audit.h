// The ledger audit (tracker/audit.h) of a ledger kept in PostgreSQL: the
// same checks and the same figures, as SQL over one REPEATABLE READ
// snapshot, so the figures of a ledger migrated between the backends can
// be compared. One check differs by design: the journal is a set, numbered
// by a sequence (pg_schema.h), so it is checked to be the balances' sums,
// not to be numbered without gaps, and no replay order is checked.
#pragma once

#include "common/base/result.h"
#include "tracker/audit.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

// Errors: the database's (pg_connection.h); `db` has no transaction open
// before or after.
Result<AuditReport> AuditPgLedger(PgConnection& db);

}  // namespace tollstream
