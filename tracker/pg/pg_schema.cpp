#include "tracker/pg/pg_schema.h"

namespace tollstream {
namespace {

// Version 1. Keys and ids are lowercase hex (addresses, public keys and
// contract ids 64 digits, nonces 32); times are unix seconds.
constexpr const char* kSchemaV1 = R"sql(
CREATE DOMAIN amount AS BIGINT CHECK (VALUE BETWEEN 0 AND 9007199254740991);
CREATE DOMAIN unix_time AS BIGINT CHECK (VALUE BETWEEN 0 AND 1099511627776);
CREATE DOMAIN hex256 AS TEXT COLLATE "C" CHECK (VALUE ~ '^[0-9a-f]{64}$');
CREATE DOMAIN hex128 AS TEXT COLLATE "C" CHECK (VALUE ~ '^[0-9a-f]{32}$');

CREATE TABLE tollstream_schema (
  version INTEGER NOT NULL,
  tracker hex256 NOT NULL,
  created TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
  address hex256 PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('ordinary', 'income', 'spend')),
  balance amount NOT NULL,
  locked amount NOT NULL DEFAULT 0 CHECK (locked <= balance),
  owner hex256,
  open BOOLEAN,
  open_contracts amount NOT NULL DEFAULT 0,
  segments amount NOT NULL DEFAULT 0,
  bytes amount NOT NULL DEFAULT 0,
  created unix_time,
  closed unix_time,
  CHECK ((kind = 'ordinary') = (owner IS NULL))
);

CREATE TABLE owners (
  kind TEXT NOT NULL CHECK (kind IN ('income', 'spend')),
  owner hex256 NOT NULL,
  address hex256,
  generation amount NOT NULL,
  PRIMARY KEY (kind, owner)
);

CREATE TABLE contracts (
  id hex256 PRIMARY KEY,
  tracker hex256 NOT NULL,
  viewer hex256 NOT NULL,
  broadcaster hex256 NOT NULL,
  spend_address hex256 NOT NULL,
  income_address hex256 NOT NULL,
  stream TEXT NOT NULL,
  price amount NOT NULL,
  max_segments amount NOT NULL,
  expires unix_time NOT NULL,
  nonce hex128 NOT NULL,
  viewer_sig TEXT NOT NULL,
  broadcaster_sig TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('open', 'closed', 'expired')),
  lock amount NOT NULL,
  charged amount NOT NULL,
  opened unix_time NOT NULL,
  release_at unix_time NOT NULL,
  settled unix_time,
  paid amount NOT NULL DEFAULT 0,
  segments amount NOT NULL DEFAULT 0,
  bytes amount NOT NULL DEFAULT 0,
  chain TEXT NOT NULL DEFAULT '',
  receipt_sig TEXT NOT NULL DEFAULT ''
);
-- The open contracts, soonest released first, and by either party's address.
CREATE INDEX contracts_open_release ON contracts (release_at, id) WHERE state = 'open';
CREATE INDEX contracts_open_spend ON contracts (spend_address, id) WHERE state = 'open';
CREATE INDEX contracts_open_income ON contracts (income_address, id) WHERE state = 'open';
CREATE INDEX contracts_open_stream ON contracts (stream, broadcaster) WHERE state = 'open';

-- Every token movement, in the order the sequence gave (gaps where a
-- transaction was rolled back: the audit replays what is there).
CREATE SEQUENCE journal_seq MINVALUE 0 START 0;
CREATE TABLE journal (
  seq BIGINT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('mint', 'transfer', 'deposit', 'charge', 'pay', 'payout',
                                     'refund')),
  from_address TEXT COLLATE "C" NOT NULL,
  to_address hex256 NOT NULL,
  amount amount NOT NULL,
  ref TEXT NOT NULL,
  ts unix_time NOT NULL
);

-- Tokens minted (only mint changes it: one row).
CREATE TABLE supply (
  one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
  minted amount NOT NULL
);
INSERT INTO supply (minted) VALUES (0);

-- Contract totals in shards (a contract's by its id), summed on read.
CREATE TABLE totals (
  shard SMALLINT PRIMARY KEY,
  contracts_opened amount NOT NULL DEFAULT 0,
  contracts_closed amount NOT NULL DEFAULT 0,
  contracts_expired amount NOT NULL DEFAULT 0,
  segments amount NOT NULL DEFAULT 0,
  bytes amount NOT NULL DEFAULT 0,
  paid amount NOT NULL DEFAULT 0,
  charged amount NOT NULL DEFAULT 0
);
INSERT INTO totals (shard) SELECT generate_series(0, 15);

-- The answer to each signed change, kept for its exactly-once retries.
CREATE TABLE answers (
  signer hex256 NOT NULL,
  nonce hex128 NOT NULL,
  request_id hex256 NOT NULL,
  body TEXT NOT NULL,
  request_ts unix_time NOT NULL,
  PRIMARY KEY (signer, nonce)
);
CREATE INDEX answers_by_time ON answers (request_ts);

-- Live stream announcements (each lives until `expires`).
CREATE TABLE announcements (
  stream TEXT NOT NULL,
  broadcaster hex256 NOT NULL,
  origin hex256 NOT NULL,
  url TEXT NOT NULL,
  price amount NOT NULL,
  income_address hex256 NOT NULL,
  expires unix_time NOT NULL,
  since unix_time NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  description TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (stream, broadcaster)
);
CREATE INDEX announcements_expires ON announcements (expires);

COMMENT ON TABLE tollstream_schema IS 'The schema version and the key of the tracker whose ledger this is.';
COMMENT ON TABLE accounts IS 'Balances: ordinary addresses, and income and spend addresses with their owner.';
COMMENT ON TABLE owners IS 'Each key''s income or spend address now, and how many it had.';
COMMENT ON TABLE contracts IS 'Every contract, its terms, both signatures and, once settled, what was paid.';
COMMENT ON TABLE journal IS 'Every token movement; balances are its sums.';
COMMENT ON TABLE supply IS 'Tokens minted: the sum of all balances.';
COMMENT ON TABLE totals IS 'Contract totals in shards: sum the rows.';
COMMENT ON TABLE answers IS 'The answer to each signed change, for its exactly-once retries.';
COMMENT ON TABLE announcements IS 'Live streams, each until it expires.';
)sql";

}  // namespace

Status CreatePgSchema(PgConnection& db, const std::string& tracker_key) {
  auto there = db.Exec("SELECT to_regclass('tollstream_schema') IS NOT NULL");
  if (!there) return there.error();
  if (there->rows.at(0).at(0) == "t") {
    auto version = db.Exec("SELECT version FROM tollstream_schema");
    std::string which = version && !version->rows.empty() && version->rows[0][0]
                            ? " (version " + *version->rows[0][0] + ")"
                            : "";
    return MakeError(ErrorCode::kConflict, "the database holds a tollstream ledger already" + which);
  }
  if (auto begun = db.Exec("BEGIN"); !begun) return begun.error();
  Status created = db.ExecScript(kSchemaV1);
  if (created) {
    auto recorded = db.Exec("INSERT INTO tollstream_schema (version, tracker) VALUES ($1, $2)",
                            {std::to_string(kPgSchemaVersion), tracker_key});
    if (!recorded) created = recorded.error();
  }
  if (!created) {
    (void)db.Exec("ROLLBACK");
    return created;
  }
  if (auto done = db.Exec("COMMIT"); !done) return done.error();
  return Status::Ok();
}

Status CheckPgSchema(PgConnection& db, const std::string& tracker_key) {
  auto there = db.Exec("SELECT to_regclass('tollstream_schema') IS NOT NULL");
  if (!there) return there.error();
  if (there->rows.at(0).at(0) != "t") {
    return MakeError(ErrorCode::kNotFound,
                     "the database holds no tollstream ledger: run tracker init --store first");
  }
  auto row = db.Exec("SELECT version, tracker FROM tollstream_schema");
  if (!row) return row.error();
  if (row->rows.size() != 1 || !row->rows[0][0] || !row->rows[0][1])
    return MakeError(ErrorCode::kInternal, "tollstream_schema must hold one row");
  if (*row->rows[0][0] != std::to_string(kPgSchemaVersion)) {
    return MakeError(ErrorCode::kUnsupportedVersion,
                     "the ledger's schema is version " + *row->rows[0][0] +
                         "; this tracker knows version " + std::to_string(kPgSchemaVersion));
  }
  if (*row->rows[0][1] != tracker_key) {
    return MakeError(ErrorCode::kForbidden,
                     "the ledger belongs to tracker " + *row->rows[0][1] + ", not to this key");
  }
  return Status::Ok();
}

}  // namespace tollstream
