#include "tracker/pg/pg_ledger_txn.h"

#include <cstdlib>
#include <map>

#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"
#include "tracker/pg/pg_records.h"
#include "tracker/pg/pg_schema.h"

namespace tollstream {
namespace {

// The shard of the totals a change writes: that of the first contract it
// writes (contract ids are uniform), else 0.
int TotalsShard(const std::map<std::string, std::optional<std::string>>& writes) {
  auto it = writes.lower_bound(std::string(keys::kContracts.first));
  if (it == writes.end() || !keys::kContracts.Contains(it->first)) return 0;
  char digit = it->first[keys::kContracts.first.size()];
  int value = digit <= '9' ? digit - '0' : digit - 'a' + 10;
  return value % kTotalsShards;
}

// The request timestamps of the answers a change writes, from their t/ keys.
std::map<std::string, int64_t> AnswerTimes(
    const std::map<std::string, std::optional<std::string>>& writes) {
  std::map<std::string, int64_t> out;
  auto it = writes.lower_bound(std::string(keys::kAnswersByTime.first));
  for (; it != writes.end() && keys::kAnswersByTime.Contains(it->first); ++it) {
    if (auto by_time = keys::ParseAnswerByTimeKey(it->first)) out[by_time->answer] = by_time->ts;
  }
  return out;
}

// Keys that are no rows: the indexes the schema keeps by itself.
bool DerivedKey(const std::string& key) {
  return key == keys::kIndexes || keys::kReleases.Contains(key) ||
         keys::kOpenByAddress.Contains(key) || keys::kAnswersByTime.Contains(key);
}

}  // namespace

Result<std::unique_ptr<PgLedgerTxn>> PgLedgerTxn::Begin(PgConnection& db, Mode mode) {
  std::unique_ptr<PgLedgerTxn> txn(new PgLedgerTxn(db, mode));
  if (mode == Mode::kStatement) {
    txn->m_done = true;  // nothing to commit or roll back
    return txn;
  }
  Status begun = mode == Mode::kChange
                     ? db.ExecScript("BEGIN ISOLATION LEVEL READ COMMITTED")
                     : db.ExecScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  if (!begun) {
    txn->m_done = true;
    if (!db.idle()) (void)db.Exec("ROLLBACK");
    return begun.error();
  }
  return txn;
}

PgLedgerTxn::~PgLedgerTxn() {
  if (!m_done) (void)m_db->Exec("ROLLBACK");
}

Status PgLedgerTxn::Failed(Status s) const {
  if (!s && !m_failure) m_failure = s.error();
  return s;
}

Result<std::optional<std::string>> PgLedgerTxn::ReadStored(const std::string& key) const {
  if (m_failure) return *m_failure;
  bool change = m_mode == Mode::kChange;
  auto read = key == keys::kSupply   ? ReadSupply()
              : key == keys::kTotals ? ReadTotals()
                                     : PgReadRecord(*m_db, key, /*lock=*/change);
  if (!read) (void)Failed(read.error());
  if (read && read->has_value() && change) m_existed.insert(key);
  return read;
}

Result<std::optional<std::string>> PgLedgerTxn::ReadSupply() const {
  bool change = m_mode != Mode::kRead;
  auto rows =
      m_db->Exec(change ? "SELECT minted, 0 FROM supply"
                        : std::string("SELECT minted, ") + kPgJournalTaken + " FROM supply");
  if (!rows) return rows.error();
  if (rows->rows.size() != 1) return MakeError(ErrorCode::kInternal, "the supply row is missing");
  Supply supply{PgUnsigned(rows->rows[0][0]), PgUnsigned(rows->rows[0][1])};
  if (change) m_minted = supply.minted;
  return std::optional<std::string>(supply.ToJson().dump());
}

Result<std::optional<std::string>> PgLedgerTxn::ReadTotals() const {
  Totals totals;  // a change adds to zero
  if (m_mode == Mode::kRead) {
    auto rows = m_db->Exec("SELECT " + std::string(kPgTotalsSums) + " FROM totals");
    if (!rows) return rows.error();
    const auto& r = rows->rows.at(0);
    totals = Totals{PgUnsigned(r[0]), PgUnsigned(r[1]), PgUnsigned(r[2]), PgUnsigned(r[3]),
                    PgUnsigned(r[4]), PgUnsigned(r[5]), PgUnsigned(r[6])};
  }
  return std::optional<std::string>(totals.ToJson().dump());
}

Status PgLedgerTxn::WriteSupply(const std::string& value) {
  auto supply = Supply::FromJson(json::parse(value, nullptr, /*allow_exceptions=*/false));
  if (!supply) return supply.error();
  if (!m_minted || *m_minted == supply->minted) return Status::Ok();  // only mint changes it
  if (supply->minted < *m_minted)
    return MakeError(ErrorCode::kInternal, "the minted supply may only grow");
  // Added, not set: mints at other instances meanwhile are kept. Past
  // 2^53-1 with theirs, the change runs again and is refused then.
  auto updated =
      m_db->Exec("UPDATE supply SET minted = minted + $1 WHERE minted + $1 <= 9007199254740991",
                 {std::to_string(supply->minted - *m_minted)});
  if (!updated) return updated.error();
  if (updated->affected != 1)
    return MakeError(ErrorCode::kBusy, "the supply changed meanwhile beyond the mint's room");
  return Status::Ok();
}

Status PgLedgerTxn::WriteTotals(const std::string& value, int shard) {
  auto t = Totals::FromJson(json::parse(value, nullptr, /*allow_exceptions=*/false));
  if (!t) return t.error();
  if (t->contracts_opened == 0 && t->contracts_closed == 0 && t->contracts_expired == 0 &&
      t->segments == 0 && t->bytes == 0 && t->paid == 0 && t->charged == 0) {
    return Status::Ok();
  }
  auto n = [](uint64_t v) { return PgParam(std::to_string(v)); };
  auto updated = m_db->Exec(
      // Saturating at 2^53-1, as the records' figures do on LevelDB.
      "UPDATE totals SET contracts_opened = LEAST(contracts_opened + $1, 9007199254740991), "
      "contracts_closed = LEAST(contracts_closed + $2, 9007199254740991), "
      "contracts_expired = LEAST(contracts_expired + $3, 9007199254740991), "
      "segments = LEAST(segments + $4, 9007199254740991), "
      "bytes = LEAST(bytes + $5, 9007199254740991), paid = LEAST(paid + $6, 9007199254740991), "
      "charged = LEAST(charged + $7, 9007199254740991) WHERE shard = $8",
      {n(t->contracts_opened), n(t->contracts_closed), n(t->contracts_expired), n(t->segments),
       n(t->bytes), n(t->paid), n(t->charged), std::to_string(shard)});
  return updated ? Status::Ok() : Status(updated.error());
}

Status PgLedgerTxn::WriteAll() {
  if (m_mode != Mode::kChange && !empty())
    return MakeError(ErrorCode::kInternal, "a read of the ledger may not write");
  auto answer_times = AnswerTimes(writes());
  int shard = TotalsShard(writes());
  for (const auto& [key, value] : writes()) {
    Status s = Status::Ok();
    if (PgRowRecord(key)) {
      int64_t request_ts = 0;
      if (keys::kAnswers.Contains(key) && value) {
        auto at = answer_times.find(key);
        if (at == answer_times.end())
          return MakeError(ErrorCode::kInternal, "answer " + key + " comes without its time");
        request_ts = at->second;
      }
      s = PgWriteRecord(*m_db, key, value, m_existed.count(key) > 0, request_ts);
    } else if (key == keys::kSupply && value) {
      s = WriteSupply(*value);
    } else if (key == keys::kTotals && value) {
      s = WriteTotals(*value, shard);
    } else if (!DerivedKey(key)) {
      s = MakeError(ErrorCode::kInternal, "ledger record " + key + " has no place in PostgreSQL");
    }
    if (!s) return s;
  }
  return Status::Ok();
}

Status PgLedgerTxn::Commit() {
  if (m_mode == Mode::kStatement) {
    if (!empty()) return MakeError(ErrorCode::kInternal, "a single read may not write");
    return m_failure ? Status(*m_failure) : Status::Ok();
  }
  if (m_done) return MakeError(ErrorCode::kInternal, "the transaction is over");
  Status written = m_failure ? Status(*m_failure) : Failed(WriteAll());
  if (!written) {
    (void)m_db->Exec("ROLLBACK");
    m_done = true;
    return written;
  }
  m_done = true;
  return Failed(m_db->Commit());
}

}  // namespace tollstream
