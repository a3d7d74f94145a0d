#include "tracker/pg/pg_migrate.h"

#include <functional>

#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"
#include "tracker/pg/pg_records.h"

namespace tollstream {
namespace {

constexpr size_t kRowsPerInsert = 500;
constexpr size_t kRowsPerPage = 5000;
constexpr size_t kRecordsPerWrite = 5000;

// Rows of one table inserted many at a time.
class RowBatch {
 public:
  explicit RowBatch(PgConnection& db) : m_db(db) {}

  Status Add(PgRow row) {
    if (!m_rows.empty() && (row.table != m_rows[0].table || row.columns != m_rows[0].columns ||
                            m_rows.size() == kRowsPerInsert)) {
      if (Status s = Flush(); !s) return s;
    }
    m_rows.push_back(std::move(row));
    return Status::Ok();
  }

  Status Flush() {
    if (m_rows.empty()) return Status::Ok();
    std::vector<PgParam> params;
    for (auto& row : m_rows) {
      for (auto& v : row.values) params.push_back(std::move(v));
    }
    auto done = m_db.Exec(InsertSql(m_rows[0], m_rows.size()), params);
    m_rows.clear();
    return done ? Status::Ok() : Status(done.error());
  }

 private:
  PgConnection& m_db;
  std::vector<PgRow> m_rows;
};

Error Unknown(std::string_view key) {
  return MakeError(ErrorCode::kInternal,
                   "the ledger holds a key no ledger writes: " + std::string(key));
}

// The records of `from` as rows of `batch`; `*supply` and `*totals` set
// from theirs. Answers are reached through their time index (their rows
// take the request's time).
Status CopyRecords(const KvStore& from, const KvSnapshot& snapshot, RowBatch& batch, Supply* supply,
                   Totals* totals) {
  auto it = from.NewIterator(snapshot);
  for (it->Seek(""); it->Valid(); it->Next()) {
    std::string key(it->key());
    std::string value(it->value());
    Result<PgRow> row = MakeError(ErrorCode::kInternal, "");
    if (key == keys::kSupply || key == keys::kTotals) {
      json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
      Status parsed = Status::Ok();
      if (key == keys::kSupply) {
        auto s = Supply::FromJson(j);
        parsed = s ? (*supply = *s, Status::Ok()) : Status(s.error());
      } else {
        auto t = Totals::FromJson(j);
        parsed = t ? (*totals = *t, Status::Ok()) : Status(t.error());
      }
      if (!parsed) return parsed;
      continue;
    }
    if (auto by_time = keys::ParseAnswerByTimeKey(key)) {
      auto answer = from.Get(by_time->answer, snapshot);
      if (!answer) return answer.error();
      if (!answer->has_value()) return Unknown(key + " (its answer is missing)");
      row = PgRecordRow(by_time->answer, **answer, by_time->ts);
    } else if (keys::kAnswers.Contains(key) || keys::kReleases.Contains(key) ||
               keys::kOpenByAddress.Contains(key) || key == keys::kIndexes) {
      continue;  // answers come with their time; indexes are PostgreSQL's own
    } else if (PgRowRecord(key)) {
      row = PgRecordRow(key, value, 0);
    } else {
      return Unknown(key);
    }
    if (!row) return MakeError(row.error().code, key + ": " + row.error().message);
    if (Status s = batch.Add(std::move(*row)); !s) return s;
  }
  if (Status s = it->status(); !s) return s;
  return batch.Flush();
}

Status Run(PgConnection& db, const std::string& sql, const std::vector<PgParam>& params = {}) {
  auto done = db.Exec(sql, params);
  return done ? Status::Ok() : Status(done.error());
}

// `copy` in a transaction begun with `begin`, rolled back when it fails.
Status InTransaction(PgConnection& db, const std::string& begin,
                     const std::function<Status()>& copy) {
  if (Status s = Run(db, begin); !s) return s;
  Status done = copy();
  if (!done && db.connected()) (void)Run(db, "ROLLBACK");
  return done;
}

Status CopyInto(const KvStore& from, PgConnection& to) {
  auto filled = to.Exec(
      "SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM owners) OR "
      "EXISTS (SELECT 1 FROM contracts) OR EXISTS (SELECT 1 FROM journal) OR "
      "EXISTS (SELECT 1 FROM answers) OR (SELECT minted FROM supply) > 0");
  if (!filled) return filled.error();
  if (filled->rows.at(0).at(0).value_or("") != "f") {
    return MakeError(ErrorCode::kConflict, "the database's ledger is not empty");
  }
  auto snapshot = from.Snapshot();
  RowBatch batch(to);
  Supply supply;
  Totals totals;
  if (Status s = CopyRecords(from, *snapshot, batch, &supply, &totals); !s) return s;
  auto n = [](uint64_t v) -> PgParam { return std::to_string(v); };
  if (Status s = Run(to, "UPDATE supply SET minted = $1", {n(supply.minted)}); !s) return s;
  if (Status s = Run(to, "SELECT setval('journal_seq', $1, false)", {n(supply.journal_next)}); !s)
    return s;
  Status set =
      Run(to,
          "UPDATE totals SET contracts_opened = $1, contracts_closed = $2, "
          "contracts_expired = $3, segments = $4, bytes = $5, paid = $6, charged = $7 "
          "WHERE shard = 0",
          {n(totals.contracts_opened), n(totals.contracts_closed), n(totals.contracts_expired),
           n(totals.segments), n(totals.bytes), n(totals.paid), n(totals.charged)});
  if (!set) return set;
  return to.Commit();
}

// Records written many at a time; the last write synced.
class RecordWriter {
 public:
  explicit RecordWriter(KvStore& to) : m_to(to) {}
  Status Put(const std::string& key, const std::string& value) {
    m_batch.Put(key, value);
    return ++m_count % kRecordsPerWrite == 0 ? Write(false) : Status::Ok();
  }
  Status Write(bool sync) {
    Status s = m_to.Write(m_batch, sync);
    m_batch.Clear();
    return s;
  }

 private:
  KvStore& m_to;
  KvBatch m_batch;
  size_t m_count = 0;
};

using EachOf = std::function<Status(const std::vector<PgParam>&)>;

// Each row of `sql` passed to `each`, page by page. `sql` orders its rows
// by their key, their first columns, and starts after the key given as
// its first parameters (`before`: before every row); its last parameter is
// the page size.
Status EachRow(PgConnection& db, const std::string& sql, std::vector<PgParam> before,
               const EachOf& each) {
  std::vector<PgParam> params = std::move(before);
  params.push_back(std::to_string(kRowsPerPage));
  for (;;) {
    auto rows = db.Exec(sql, params);
    if (!rows) return rows.error();
    for (const auto& row : rows->rows) {
      if (Status s = each(row); !s) return s;
    }
    if (rows->rows.size() < kRowsPerPage) return Status::Ok();
    for (size_t i = 0; i + 1 < params.size(); ++i) params[i] = rows->rows.back().at(i);
  }
}

// The journal, numbered from 0; returns how many entries.
Result<uint64_t> CopyJournal(PgConnection& from, RecordWriter& out) {
  uint64_t next = 0;
  Status s = EachRow(from,
                     "SELECT seq, kind, from_address, to_address, amount, ref, ts FROM journal "
                     "WHERE seq > $1 ORDER BY seq LIMIT $2",
                     {"-1"}, [&](const std::vector<PgParam>& r) {
                       JournalEntry e{next,
                                      r[1].value_or(""),
                                      r[2].value_or(""),
                                      r[3].value_or(""),
                                      PgUnsigned(r[4]),
                                      r[5].value_or(""),
                                      static_cast<int64_t>(PgUnsigned(r[6]))};
                       return out.Put(keys::Journal(next++), e.ToJson().dump());
                     });
  if (!s) return s.error();
  return next;
}

// A contract, and for an open one its index keys.
Status PutContract(const std::vector<PgParam>& r, RecordWriter& out) {
  std::string id = r[0].value_or("");
  json c = PgContractJson(id, r, 1);
  if (Status put = out.Put(keys::Contract(id), c.dump()); !put) return put;
  if (c["state"] != "open") return Status::Ok();
  const json& terms = c["terms"];
  Status put = out.Put(keys::Release(c["release_at"].get<int64_t>(), id), "");
  if (put) put = out.Put(keys::OpenByAddress(terms["spend_address"].get<std::string>(), id), "");
  if (put) put = out.Put(keys::OpenByAddress(terms["income_address"].get<std::string>(), id), "");
  return put;
}

// An answer, and its key by time.
Status PutAnswer(const std::vector<PgParam>& r, RecordWriter& out) {
  auto signer = PublicKey::FromHex(r[0].value_or(""));
  if (!signer) return Unknown("answers row " + r[0].value_or(""));
  std::string nonce = r[1].value_or("");
  int64_t ts = static_cast<int64_t>(PgUnsigned(r[4]));
  Status put =
      out.Put(keys::Answer(*signer, nonce), PgAnswerText(r[2].value_or(""), r[3].value_or("")));
  if (put) put = out.Put(keys::AnswerByTime(ts, *signer, nonce), "");
  return put;
}

Status CopyRows(PgConnection& from, RecordWriter& out) {
  Status s = EachRow(from,
                     std::string("SELECT address, ") + kPgAccountColumns +
                         " FROM accounts WHERE address > $1 ORDER BY address LIMIT $2",
                     {""}, [&](const std::vector<PgParam>& r) {
                       std::string address = r[0].value_or("");
                       return out.Put(keys::Account(address), PgAccountJson(address, r, 1).dump());
                     });
  if (!s) return s;
  s = EachRow(from,
              "SELECT kind, owner, address, generation FROM owners "
              "WHERE (kind, owner) > ($1, $2) ORDER BY kind, owner LIMIT $3",
              {"", ""}, [&](const std::vector<PgParam>& r) {
                auto owner = PublicKey::FromHex(r[1].value_or(""));
                if (!owner) return Status(Unknown("owners row " + r[1].value_or("")));
                AccountKind kind = r[0] == "income" ? AccountKind::kIncome : AccountKind::kSpend;
                OwnerIndex o{r[2].value_or(""), PgUnsigned(r[3])};
                return out.Put(keys::Owner(kind, *owner), o.ToJson().dump());
              });
  if (!s) return s;
  s = EachRow(from,
              std::string("SELECT id, ") + kPgContractColumns +
                  " FROM contracts WHERE id > $1 ORDER BY id LIMIT $2",
              {""}, [&](const std::vector<PgParam>& r) { return PutContract(r, out); });
  if (!s) return s;
  return EachRow(from,
                 "SELECT signer, nonce, request_id, body, request_ts FROM answers "
                 "WHERE (signer, nonce) > ($1, $2) ORDER BY signer, nonce LIMIT $3",
                 {"", ""}, [&](const std::vector<PgParam>& r) { return PutAnswer(r, out); });
}

Status CopyFrom(PgConnection& from, KvStore& to) {
  RecordWriter out(to);
  if (Status s = CopyRows(from, out); !s) return s;
  auto entries = CopyJournal(from, out);
  if (!entries) return entries.error();
  auto figures = from.Exec(std::string("SELECT (SELECT minted FROM supply), ") + kPgTotalsSums +
                           " FROM totals");
  if (!figures) return figures.error();
  const auto& f = figures->rows.at(0);
  Supply supply{PgUnsigned(f[0]), *entries};
  Totals totals{PgUnsigned(f[1]), PgUnsigned(f[2]), PgUnsigned(f[3]), PgUnsigned(f[4]),
                PgUnsigned(f[5]), PgUnsigned(f[6]), PgUnsigned(f[7])};
  if (Status s = out.Put(keys::kSupply, supply.ToJson().dump()); !s) return s;
  if (Status s = out.Put(keys::kTotals, totals.ToJson().dump()); !s) return s;
  if (Status s = Run(from, "COMMIT"); !s) return s;
  return out.Write(/*sync=*/true);
}

}  // namespace

Status CopyLedgerToPg(const KvStore& from, PgConnection& to) {
  return InTransaction(to, "BEGIN", [&] { return CopyInto(from, to); });
}

Status CopyLedgerFromPg(PgConnection& from, KvStore& to) {
  auto it = to.NewIterator();
  for (it->Seek(""); it->Valid(); it->Next()) {
    if (it->key() != keys::kIndexes) {
      return MakeError(ErrorCode::kConflict, "the LevelDB ledger is not empty");
    }
  }
  return InTransaction(from, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       [&] { return CopyFrom(from, to); });
}

}  // namespace tollstream
