// Copies of a whole ledger between its two stores, for `tracker migrate`:
// from LevelDB into PostgreSQL and back. Every record is copied as the
// ledger's rules read it (pg_records.h), so the audit of the copy gives the
// figures of the original; the indexes are made again in the copy's own
// form (LevelDB's index keys; PostgreSQL's partial indexes).
//
// The source must not change during the copy (no tracker serves it: the
// LevelDB ledger is locked by its open store; a PostgreSQL one is read in
// one snapshot all the same). The target must be empty: a copy never merges
// two ledgers.
#pragma once

#include "common/base/result.h"
#include "common/store/kv_store.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

// Copies the LevelDB ledger `from` into the empty PostgreSQL ledger `to`
// (its schema made for the same tracker), in one transaction: all or
// nothing. Journal numbers are kept, and the journal's sequence goes on
// after them. Errors: kConflict (`to` holds a ledger), kInternal (a
// record of `from` that does not parse, or a key no ledger writes), the
// database's.
Status CopyLedgerToPg(const KvStore& from, PgConnection& to);

// Copies the PostgreSQL ledger `from`, as of one snapshot, into the empty
// LevelDB ledger `to` (as `tracker init` makes it), the last write synced.
// The journal is numbered again from 0 in its order: on PostgreSQL it has
// gaps, which the LevelDB ledger does not allow. Errors: kConflict (`to`
// holds records), the database's, the store's.
Status CopyLedgerFromPg(PgConnection& from, KvStore& to);

}  // namespace tollstream
