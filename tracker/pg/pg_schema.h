// The ledger's relational schema in PostgreSQL, version kPgSchemaVersion:
// accounts, contracts (with their open-contract indexes), the journal,
// the supply, the contract totals (in shards, summed on read, so that
// concurrent changes do not all update one row), stored answers for
// exactly-once requests, and stream announcements. Money columns are
// BIGINT within 0..2^53-1 (what the protocol's amounts allow), checked by
// the database. An operator reads it with psql (`\dt+` says what each
// table holds).
//
// Several tracker instances may serve one such ledger, each change one
// SERIALIZABLE transaction (retried on 40001/40P01), so nothing every change
// touches is one row: the journal's numbers come from a sequence (gaps
// where a transaction rolled back), the contract totals are sharded by
// contract id, and `supply` changes only with mint.
//
// It is created in the connection's current schema (the first of its
// search_path: public unless the URL says otherwise); a tracker refuses a
// database whose schema version it does not know, or that another
// tracker key made. Only portable SQL is used (no domains, no advisory
// locks): CockroachDB and YugabyteDB are expected to take it as it is.
#pragma once

#include <string>

#include "common/base/result.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

// 2: contracts with renditions.
inline constexpr int kPgSchemaVersion = 2;
inline constexpr int kTotalsShards = 16;

// Creates the tables in one transaction, recording the version and the
// tracker's key (hex) last. Errors: kConflict when a tollstream ledger is
// there already (also one another init made meanwhile), or the database's
// (pg_connection.h).
// `version` below kPgSchemaVersion makes that older schema (for the
// upgrade's tests).
Status CreatePgSchema(PgConnection& db, const std::string& tracker_key,
                      int version = kPgSchemaVersion);

// Brings an older schema of this tracker's ledger to kPgSchemaVersion in
// one transaction; returns the version it had (kPgSchemaVersion: nothing
// done). Errors: those of CheckPgSchema but an older version's.
Result<int> UpgradePgSchema(PgConnection& db, const std::string& tracker_key);

// Checks the schema a tracker is about to serve. Errors: kNotFound (none:
// run `tracker init --store`), kUnsupportedVersion (another version),
// kForbidden (another tracker key), kInternal (an init that did not
// complete), or the database's.
Status CheckPgSchema(PgConnection& db, const std::string& tracker_key);
// CheckPgSchema without the key: whether this tracker reads the schema at
// all (what `tracker audit --store`, which has no key, asks first).
Status CheckPgSchemaVersion(PgConnection& db);

}  // namespace tollstream
