#include "tracker/pg/pg_schema.h"

#include <cstdlib>
#include <iterator>
#include <utility>

namespace tollstream {
namespace {

// Version 1. Keys and ids are lowercase hex (addresses, public keys and
// contract ids 64 digits, nonces 32); times are unix seconds.
// `$amount(c)`, `$time(c)`, `$key(c)` (64 hex digits), `$nonce(c)` (32)
// stand for column `c` of that kind with its check: written out by
// ExpandColumns, as distributed engines have no CREATE DOMAIN.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE accounts (
  $key(address) PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('ordinary', 'income', 'spend')),
  $amount(balance) NOT NULL,
  $amount(locked) NOT NULL DEFAULT 0,
  $key(owner),
  open BOOLEAN,
  $amount(open_contracts) NOT NULL DEFAULT 0,
  $amount(segments) NOT NULL DEFAULT 0,
  $amount(bytes) NOT NULL DEFAULT 0,
  $time(created),
  $time(closed),
  CONSTRAINT accounts_locked CHECK (locked <= balance),
  CONSTRAINT accounts_owner CHECK ((kind = 'ordinary') = (owner IS NULL))
);

CREATE TABLE owners (
  kind TEXT NOT NULL CHECK (kind IN ('income', 'spend')),
  $key(owner) NOT NULL,
  $key(address),
  $amount(generation) NOT NULL,
  PRIMARY KEY (kind, owner)
);

CREATE TABLE contracts (
  $key(id) PRIMARY KEY,
  $key(tracker) NOT NULL,
  $key(viewer) NOT NULL,
  $key(broadcaster) NOT NULL,
  $key(spend_address) NOT NULL,
  $key(income_address) NOT NULL,
  stream TEXT NOT NULL,
  $amount(price) NOT NULL,
  $amount(max_segments) NOT NULL,
  $time(expires) NOT NULL,
  $nonce(nonce) NOT NULL,
  viewer_sig TEXT NOT NULL,
  broadcaster_sig TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'expired')),
  $amount(lock) NOT NULL,
  $amount(charged) NOT NULL,
  $time(opened) NOT NULL,
  $time(release_at) NOT NULL,
  $time(settled),
  $amount(paid) NOT NULL DEFAULT 0,
  $amount(segments) NOT NULL DEFAULT 0,
  $amount(bytes) NOT NULL DEFAULT 0,
  chain TEXT NOT NULL DEFAULT '',
  receipt_sig TEXT NOT NULL DEFAULT ''
);

-- Every token movement. Numbers come from a sequence: unique, but neither
-- gap-free (a rolled-back transaction leaves a gap) nor in commit order
-- across instances; the journal is a set whose sums are the balances.
CREATE SEQUENCE journal_seq MINVALUE 0 START 0;
CREATE TABLE journal (
  seq BIGINT PRIMARY KEY DEFAULT nextval('journal_seq'),
  kind TEXT NOT NULL CHECK (kind IN ('mint', 'transfer', 'deposit', 'charge', 'pay', 'payout',
                                     'refund')),
  from_address TEXT NOT NULL,
  $key(to_address) NOT NULL,
  $amount(amount) NOT NULL,
  ref TEXT NOT NULL,
  $time(ts) NOT NULL,
  CONSTRAINT journal_source CHECK ((kind = 'mint') = (from_address = '') AND
                                   (from_address = '' OR from_address ~ '^[0-9a-f]{64}$'))
);
ALTER SEQUENCE journal_seq OWNED BY journal.seq;

-- Tokens minted (only mint changes it: one row).
CREATE TABLE supply (
  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  $amount(minted) NOT NULL
);

-- Contract totals in shards (a contract's by its id), summed on read.
CREATE TABLE totals (
  shard SMALLINT PRIMARY KEY CHECK (shard BETWEEN 0 AND $last_shard),
  $amount(contracts_opened) NOT NULL DEFAULT 0,
  $amount(contracts_closed) NOT NULL DEFAULT 0,
  $amount(contracts_expired) NOT NULL DEFAULT 0,
  $amount(segments) NOT NULL DEFAULT 0,
  $amount(bytes) NOT NULL DEFAULT 0,
  $amount(paid) NOT NULL DEFAULT 0,
  $amount(charged) NOT NULL DEFAULT 0
);

-- The answer to each signed change, kept for its exactly-once retries.
CREATE TABLE answers (
  $key(signer) NOT NULL,
  $nonce(nonce) NOT NULL,
  $key(request_id) NOT NULL,
  body TEXT NOT NULL,
  $time(request_ts) NOT NULL,
  PRIMARY KEY (signer, nonce)
);

-- Live stream announcements (each lives until `expires`).
CREATE TABLE announcements (
  stream TEXT NOT NULL,
  $key(broadcaster) NOT NULL,
  $key(origin) NOT NULL,
  url TEXT NOT NULL,
  $amount(price) NOT NULL,
  $key(income_address) NOT NULL,
  $time(expires) NOT NULL,
  $time(since) NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (stream, broadcaster)
);

-- Ordered (ASC: range-sharded, not hashed, where an engine distributes).
CREATE INDEX contracts_open_release ON contracts (release_at ASC, id ASC) WHERE state = 'open';
CREATE INDEX contracts_open_spend ON contracts (spend_address ASC, id ASC) WHERE state = 'open';
CREATE INDEX contracts_open_income ON contracts (income_address ASC, id ASC) WHERE state = 'open';
CREATE INDEX contracts_open_stream ON contracts (stream ASC, broadcaster ASC) WHERE state = 'open';
CREATE INDEX answers_by_time ON answers (request_ts ASC);
CREATE INDEX announcements_expires ON announcements (expires ASC);

COMMENT ON TABLE accounts IS 'Balances: ordinary addresses, and income and spend addresses with their owner.';
COMMENT ON TABLE owners IS 'Each key''s income or spend address now, and how many it had.';
COMMENT ON TABLE contracts IS 'Every contract, its terms, both signatures and, once settled, what was paid.';
COMMENT ON TABLE journal IS 'Every token movement; balances are its sums.';
COMMENT ON TABLE supply IS 'Tokens minted: the sum of all balances.';
COMMENT ON TABLE totals IS 'Contract totals in shards: sum the rows.';
COMMENT ON TABLE answers IS 'The answer to each signed change, for its exactly-once retries.';
COMMENT ON TABLE announcements IS 'Live streams, each until it expires.';

INSERT INTO supply (minted) VALUES (0);
INSERT INTO totals (shard) SELECT generate_series(0, $last_shard);

-- Last: a ledger is there once this row is.
CREATE TABLE tollstream_schema (
  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  version INTEGER NOT NULL,
  $key(tracker) NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE tollstream_schema IS 'The schema version and the key of the tracker whose ledger this is.';
)sql";

// What each version adds to the one before: kUpgrades[v - 2] makes
// version v of version v - 1. Run in the transaction that records the
// new version.
//
// Version 2: a contract may buy several renditions of its stream, each at
// its own price (their names and prices in the terms' order), and its
// closing receipt counts the segments of each; an announcement lists its
// stream's renditions (JSON, '' for one quality).
constexpr const char* kUpgrades[] = {R"sql(
ALTER TABLE contracts ADD COLUMN rendition_names TEXT[] NOT NULL DEFAULT '{}';
ALTER TABLE contracts ADD COLUMN rendition_prices BIGINT[] NOT NULL DEFAULT '{}';
ALTER TABLE contracts ADD COLUMN rendition_counts BIGINT[] NOT NULL DEFAULT '{}';
ALTER TABLE contracts ADD CONSTRAINT contracts_renditions CHECK (
  coalesce(array_length(rendition_names, 1), 0) = coalesce(array_length(rendition_prices, 1), 0)
  AND coalesce(array_length(rendition_counts, 1), 0)
      IN (0, coalesce(array_length(rendition_names, 1), 0)));
ALTER TABLE announcements ADD COLUMN renditions TEXT NOT NULL DEFAULT '';
COMMENT ON COLUMN contracts.rendition_counts IS 'From the closing receipt: the segments of each rendition, in the terms'' order.';
)sql"};
static_assert(std::size(kUpgrades) == kPgSchemaVersion - 1);

// The schema of `from` brought to kPgSchemaVersion, within the caller's transaction.
Status RunUpgrades(PgConnection& db, int from, std::string* state);

// kSchemaV1 with its column placeholders written out.
std::string ExpandColumns(std::string sql) {
  const std::pair<std::string, std::string> kinds[] = {
      {"$amount(", "BIGINT CHECK (@ BETWEEN 0 AND 9007199254740991)"},
      {"$time(", "BIGINT CHECK (@ BETWEEN 0 AND 1099511627776)"},
      {"$key(", "TEXT CHECK (@ ~ '^[0-9a-f]{64}$')"},
      {"$nonce(", "TEXT CHECK (@ ~ '^[0-9a-f]{32}$')"}};
  for (const auto& [mark, type] : kinds) {
    for (size_t at; (at = sql.find(mark)) != std::string::npos;) {
      size_t close = sql.find(')', at);
      std::string column = sql.substr(at + mark.size(), close - at - mark.size());
      std::string written = type;
      written.replace(written.find('@'), 1, column);
      sql.replace(at, close + 1 - at, column + " " + written);
    }
  }
  for (size_t at; (at = sql.find("$last_shard")) != std::string::npos;)
    sql.replace(at, 11, std::to_string(kTotalsShards - 1));
  return sql;
}

// Whether the schema of this connection holds a tollstream ledger's table.
Result<bool> LedgerThere(PgConnection& db) {
  auto there = db.Exec(
      "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() "
      "AND table_name = 'tollstream_schema'");
  if (!there) return there.error();
  return there->rows.at(0).at(0) != "0";
}

Status RunUpgrades(PgConnection& db, int from, std::string* state) {
  for (int v = from + 1; v <= kPgSchemaVersion; ++v) {
    if (Status s = db.ExecScript(ExpandColumns(kUpgrades[v - 2]), state); !s) return s;
  }
  return Status::Ok();
}

// The version and key a ledger's schema records. Errors: kNotFound (none),
// kInternal (an init that did not complete), the database's.
Result<std::pair<int, std::string>> RecordedSchema(PgConnection& db, bool lock) {
  auto there = LedgerThere(db);
  if (!there) return there.error();
  if (!*there) {
    return MakeError(ErrorCode::kNotFound,
                     "the database holds no tollstream ledger: run tracker init --store first");
  }
  auto row = db.Exec(std::string("SELECT version, tracker FROM tollstream_schema") +
                     (lock ? " FOR UPDATE" : ""));
  if (!row) return row.error();
  if (row->rows.size() != 1 || !row->rows[0][0] || !row->rows[0][1])
    return MakeError(ErrorCode::kInternal,
                     "tollstream_schema holds no version: an init did not complete");
  int version = std::atoi(row->rows[0][0]->c_str());
  if (version < 1) {
    return MakeError(ErrorCode::kInternal,
                     "tollstream_schema holds version " + *row->rows[0][0] + ", which none is");
  }
  return std::pair<int, std::string>(version, *row->rows[0][1]);
}

}  // namespace

Status CreatePgSchema(PgConnection& db, const std::string& tracker_key, int version) {
  if (auto begun = db.Exec("BEGIN"); !begun) return begun.error();
  std::string state;
  auto there = LedgerThere(db);
  Status created = !there   ? Status(there.error())
                   : *there ? Status(MakeError(ErrorCode::kConflict,
                                               "the database holds a tollstream ledger already"))
                            : db.ExecScript(ExpandColumns(kSchemaV1), &state);
  for (int v = 2; created && v <= version; ++v) {
    created = db.ExecScript(ExpandColumns(kUpgrades[v - 2]), &state);
  }
  if (created) {
    auto recorded = db.Exec("INSERT INTO tollstream_schema (version, tracker) VALUES ($1, $2)",
                            {std::to_string(version), tracker_key}, &state);
    if (!recorded) created = recorded.error();
  }
  if (created) created = db.Commit(&state);
  if (!created) {
    (void)db.Exec("ROLLBACK");
    // Another init made it meanwhile (duplicate table, or type).
    if (state == "42P07" || state == "23505" || state == "42710") {
      return MakeError(ErrorCode::kConflict, "the database holds a tollstream ledger already");
    }
  }
  return created;
}

namespace {

// Errors: kUnsupportedVersion, when `version` is not this tracker's.
Status KnownVersion(int version) {
  if (version < kPgSchemaVersion) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     "the ledger's schema is version " + std::to_string(version) +
                         ", older than this tracker's " + std::to_string(kPgSchemaVersion) +
                         ": upgrade it with tracker init --store URL --upgrade");
  }
  if (version != kPgSchemaVersion) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     "the ledger's schema is version " + std::to_string(version) +
                         "; this tracker knows version " + std::to_string(kPgSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace

Status CheckPgSchemaVersion(PgConnection& db) {
  auto recorded = RecordedSchema(db, /*lock=*/false);
  if (!recorded) return recorded.error();
  return KnownVersion(recorded->first);
}

Status CheckPgSchema(PgConnection& db, const std::string& tracker_key) {
  auto recorded = RecordedSchema(db, /*lock=*/false);
  if (!recorded) return recorded.error();
  const auto& [version, key] = *recorded;
  if (Status known = KnownVersion(version); !known) return known;
  if (key != tracker_key) {
    return MakeError(ErrorCode::kForbidden,
                     "the ledger belongs to tracker " + key + ", not to this key");
  }
  return Status::Ok();
}

Result<int> UpgradePgSchema(PgConnection& db, const std::string& tracker_key) {
  if (auto begun = db.Exec("BEGIN ISOLATION LEVEL SERIALIZABLE"); !begun) return begun.error();
  std::string state;
  auto recorded = RecordedSchema(db, /*lock=*/true);
  Status done = recorded ? Status::Ok() : Status(recorded.error());
  int from = recorded ? recorded->first : 0;
  if (done && recorded->second != tracker_key) {
    done = MakeError(ErrorCode::kForbidden,
                     "the ledger belongs to tracker " + recorded->second + ", not to this key");
  }
  if (done && from > kPgSchemaVersion) {
    done = MakeError(ErrorCode::kUnsupportedVersion,
                     "the ledger's schema is version " + std::to_string(from) +
                         "; this tracker knows version " + std::to_string(kPgSchemaVersion));
  }
  if (done && from < kPgSchemaVersion) {
    done = RunUpgrades(db, from, &state);
    if (done) {
      auto set = db.Exec("UPDATE tollstream_schema SET version = $1",
                         {std::to_string(kPgSchemaVersion)}, &state);
      if (!set) done = set.error();
    }
  }
  if (done) done = db.Commit(&state);
  if (!done) {
    (void)db.Exec("ROLLBACK");
    return done.error();
  }
  return from;
}

}  // namespace tollstream
