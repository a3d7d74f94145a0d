// How the ledger's records (tracker/ledger_keys.h) are kept in the
// relational schema (pg_schema.h): each record family is a table, each
// record a row. A row read back is the same JSON text the record has in
// LevelDB (keys sorted, as the records' ToJson().dump() writes them), so
// the ledger's rules cannot tell the backends apart; a record written is
// checked by its FromJson and stored column by column.
//
// The families kept as rows: a/ (accounts), o/ (owners), c/ (contracts),
// j/ (journal; a change's entry is numbered by a sequence, the key's number
// ignored; a copy, PgRecordRow, keeps it),
// q/ (answers). The others are the transaction's (pg_ledger_txn.h): the
// index keys x/, p/, t/ and m/indexes are not rows (contracts' partial
// indexes and the answers' time column are those indexes), and supply and
// totals are kept for concurrency.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/wire/json.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

// The columns of an account row after its address, and of a contract row
// after its id, as the records' JSON is rebuilt from them.
inline constexpr const char* kPgAccountColumns =
    "kind, balance, locked, owner, open, open_contracts, segments, bytes, created, closed";
inline constexpr const char* kPgContractColumns =
    "tracker, viewer, broadcaster, spend_address, income_address, stream, price, max_segments, "
    "expires, nonce, viewer_sig, broadcaster_sig, state, lock, charged, opened, release_at, "
    "settled, paid, segments, bytes, chain, receipt_sig, rendition_names, rendition_prices, "
    "rendition_counts";

// The totals (their shards summed, saturating at 2^53-1, as on LevelDB),
// and how many journal numbers were taken (the journal's entries, and the
// numbers of changes rolled back: on PostgreSQL the journal has gaps).
inline constexpr const char* kPgTotalsSums =
    "LEAST(sum(contracts_opened), 9007199254740991), "
    "LEAST(sum(contracts_closed), 9007199254740991), "
    "LEAST(sum(contracts_expired), 9007199254740991), LEAST(sum(segments), 9007199254740991), "
    "LEAST(sum(bytes), 9007199254740991), LEAST(sum(paid), 9007199254740991), "
    "LEAST(sum(charged), 9007199254740991)";
inline constexpr const char* kPgJournalTaken =
    "(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM journal_seq)";

// The record's JSON from `row`, whose columns from index `at` are those above.
json PgAccountJson(const std::string& address, const std::vector<PgParam>& row, size_t at);
json PgContractJson(const std::string& id, const std::vector<PgParam>& row, size_t at);

// A stored answer's record (as RecordAnswer writes it: {"answer": …, "id": …})
// from its row's columns.
std::string PgAnswerText(const std::string& request_id, const std::string& body);

// An integer column's text as a number (NULL: 0); the schema bounds each.
uint64_t PgUnsigned(const PgParam& value);

// A record as a row of its table: the columns named, and their values.
struct PgRow {
  std::string table;
  std::string columns;  // "a, b, c"
  std::vector<PgParam> values;
};

// INSERT INTO the row's table of `count` rows with the row's columns:
// parameters $1… by row, then by column.
std::string InsertSql(const PgRow& row, size_t count);

// The row of the record at `key` (PgRowRecord) whose value is `value`, for
// copying a ledger in bulk: a journal entry keeps the key's number; an
// answer (q/) is stamped `request_ts`. Errors: kInternal for a record that
// does not parse, or a key of no row.
Result<PgRow> PgRecordRow(const std::string& key, const std::string& value, int64_t request_ts);

// Whether `key` is a record kept as a row (see above).
bool PgRowRecord(const std::string& key);

// The record at `key` (PgRowRecord) as its JSON text; nullopt when absent.
// `lock`: the row is locked (FOR UPDATE) until the transaction ends.
// Errors: the database's (pg_connection.h); kInternal for a key of no row
// family or one read back (j/: the ledger's rules never read the journal).
Result<std::optional<std::string>> PgReadRecord(PgConnection& db, const std::string& key,
                                                bool lock);

// Writes the record at `key` (PgRowRecord), or deletes it (nullopt).
// `existed`: the row was read, present (and locked); else it is inserted,
// and one inserted meanwhile by another transaction is kBusy (run the
// change again). `request_ts`: for an answer (q/), its request's timestamp.
// Errors: the database's; kInternal for a record that does not parse;
// kDuplicate for an answer whose signer and nonce have one already.
Status PgWriteRecord(PgConnection& db, const std::string& key,
                     const std::optional<std::string>& value, bool existed, int64_t request_ts);

}  // namespace tollstream
