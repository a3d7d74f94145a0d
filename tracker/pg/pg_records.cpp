#include "tracker/pg/pg_records.h"

#include <cstdlib>

#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"

namespace tollstream {
namespace {

// Text of an integer column (NULL: 0). The schema's checks bound each.
int64_t I(const PgParam& v) {
  return v ? std::strtoll(v->c_str(), nullptr, 10) : 0;
}
std::string S(const PgParam& v) {
  return v.value_or("");
}
PgParam N(uint64_t n) {
  return std::to_string(n);
}
PgParam T(int64_t n) {
  return std::to_string(n);
}

// An array's text in PostgreSQL's input form, each element quoted
// (elements here are names and numbers: no quote nor backslash in them).
template <typename Items, typename Text>
PgParam ArrayText(const Items& items, Text text) {
  std::string out = "{";
  for (const auto& item : items) out += (out.size() > 1 ? ",\"" : "\"") + text(item) + "\"";
  return out + "}";
}
// The elements of an array column's text ({a,"b"}: quoted only where needed).
std::vector<std::string> ArrayItems(const PgParam& v) {
  std::vector<std::string> out;
  std::string text = v.value_or("{}");
  if (text.size() <= 2) return out;
  size_t at = 1;
  while (at < text.size() - 1) {
    size_t end = text.find(',', at);
    if (end == std::string::npos) end = text.size() - 1;
    std::string item = text.substr(at, end - at);
    if (item.size() >= 2 && item.front() == '"') item = item.substr(1, item.size() - 2);
    out.push_back(std::move(item));
    at = end + 1;
  }
  return out;
}

Error Unkept(const std::string& key) {
  return MakeError(ErrorCode::kInternal, "ledger record " + key + " is not read from PostgreSQL");
}

// The one row `sql` selects with `params` (locked: FOR UPDATE); nullopt when none.
Result<std::optional<std::vector<PgParam>>> OneRow(PgConnection& db, const std::string& sql,
                                                   const std::vector<PgParam>& params,
                                                   bool lock = false) {
  auto rows = db.Exec(lock ? sql + " FOR UPDATE" : sql, params);
  if (!rows) return rows.error();
  if (rows->rows.empty()) return std::optional<std::vector<PgParam>>();
  return std::optional<std::vector<PgParam>>(std::move(rows->rows[0]));
}

// `value` parsed by record type R's FromJson.
template <typename R>
Result<R> Parsed(const std::string& value) {
  return R::FromJson(json::parse(value, nullptr, /*allow_exceptions=*/false));
}

}  // namespace

std::string InsertSql(const PgRow& row, size_t count) {
  std::string sql = "INSERT INTO " + row.table + " (" + row.columns + ") VALUES ";
  size_t n = row.values.size(), param = 1;
  for (size_t r = 0; r < count; ++r) {
    sql += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < n; ++c) sql += (c == 0 ? "$" : ", $") + std::to_string(param++);
    sql += ")";
  }
  return sql;
}

namespace {

Status Done(const Result<PgRows>& r) {
  return r ? Status::Ok() : Status(r.error());
}

// Inserts `row` (with `upsert` appended when the row existed). A row
// another transaction inserted meanwhile is kBusy.
Status Store(PgConnection& db, const PgRow& row, const std::string& upsert, bool existed) {
  std::string sql = InsertSql(row, 1);
  std::string state;
  auto done = db.Exec(existed ? sql + " " + upsert : sql, row.values, &state);
  if (!done && state == "23505") {
    return MakeError(ErrorCode::kBusy, "a row was inserted meanwhile by another change");
  }
  return Done(done);
}

Result<std::optional<std::string>> ReadAccount(PgConnection& db, const std::string& address,
                                               bool lock) {
  auto row =
      OneRow(db, std::string("SELECT ") + kPgAccountColumns + " FROM accounts WHERE address = $1",
             {address}, lock);
  if (!row) return row.error();
  if (!row->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(PgAccountJson(address, **row, 0).dump());
}

Result<PgRow> AccountRow(const std::string& value) {
  auto a = Parsed<Account>(value);
  if (!a) return a.error();
  bool special = a->kind != AccountKind::kOrdinary;
  auto when = [&](PgParam v) { return special ? v : std::nullopt; };
  return PgRow{"accounts",
               std::string("address, ") + kPgAccountColumns,
               {a->address, std::string(KindName(a->kind)), N(a->balance), N(a->locked),
                when(a->owner), when(a->open ? "true" : "false"), N(a->open_contracts),
                N(a->segments), N(a->bytes), when(T(a->created)), when(T(a->closed))}};
}

Status WriteAccount(PgConnection& db, const std::string& value, bool existed) {
  auto row = AccountRow(value);
  if (!row) return row.error();
  return Store(db, *row,
               "ON CONFLICT (address) DO UPDATE SET kind = EXCLUDED.kind, "
               "balance = EXCLUDED.balance, locked = EXCLUDED.locked, owner = EXCLUDED.owner, "
               "open = EXCLUDED.open, open_contracts = EXCLUDED.open_contracts, "
               "segments = EXCLUDED.segments, bytes = EXCLUDED.bytes, "
               "created = EXCLUDED.created, closed = EXCLUDED.closed",
               existed);
}

Result<std::optional<std::string>> ReadOwner(PgConnection& db, const keys::OwnerKey& key,
                                             bool lock) {
  auto row = OneRow(db, "SELECT address, generation FROM owners WHERE kind = $1 AND owner = $2",
                    {std::string(KindName(key.kind)), key.owner}, lock);
  if (!row) return row.error();
  if (!row->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(
      OwnerIndex{S((**row)[0]), PgUnsigned((**row)[1])}.ToJson().dump());
}

Result<PgRow> OwnerRow(const keys::OwnerKey& key, const std::string& value) {
  auto o = Parsed<OwnerIndex>(value);
  if (!o) return o.error();
  return PgRow{"owners",
               "kind, owner, address, generation",
               {std::string(KindName(key.kind)), key.owner,
                o->address.empty() ? PgParam() : PgParam(o->address), N(o->generation)}};
}

Status WriteOwner(PgConnection& db, const keys::OwnerKey& key, const std::string& value,
                  bool existed) {
  auto row = OwnerRow(key, value);
  if (!row) return row.error();
  return Store(db, *row,
               "ON CONFLICT (kind, owner) DO UPDATE SET address = EXCLUDED.address, "
               "generation = EXCLUDED.generation",
               existed);
}

Result<std::optional<std::string>> ReadContract(PgConnection& db, const std::string& id,
                                                bool lock) {
  auto row =
      OneRow(db, std::string("SELECT ") + kPgContractColumns + " FROM contracts WHERE id = $1",
             {id}, lock);
  if (!row) return row.error();
  if (!row->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(PgContractJson(id, **row, 0).dump());
}

Result<PgRow> ContractRow(const std::string& value) {
  auto c = Parsed<ContractRecord>(value);
  if (!c) return c.error();
  const ContractTerms& t = c->terms;
  bool open = c->state == ContractState::kOpen;
  return PgRow{
      "contracts",
      std::string("id, ") + kPgContractColumns,
      {c->id,
       t.tracker.ToHex(),
       t.viewer.ToHex(),
       t.broadcaster.ToHex(),
       t.spend_address,
       t.income_address,
       t.stream,
       N(t.price),
       N(t.max_segments),
       T(t.expires),
       t.nonce,
       c->viewer_sig,
       c->broadcaster_sig,
       std::string(StateName(c->state)),
       N(c->lock),
       N(c->charged),
       T(c->opened),
       T(c->release_at),
       open ? PgParam() : T(c->settled),
       N(c->paid),
       N(c->segments),
       N(c->bytes),
       c->chain,
       c->receipt_sig,
       ArrayText(t.renditions, [](const RenditionPrice& r) { return r.name; }),
       ArrayText(t.renditions, [](const RenditionPrice& r) { return std::to_string(r.price); }),
       ArrayText(c->counts, [](uint64_t n) { return std::to_string(n); })}};
}

Status WriteContract(PgConnection& db, const std::string& value, bool existed) {
  auto row = ContractRow(value);
  if (!row) return row.error();
  return Store(
      db, *row,
      "ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, "
      "settled = EXCLUDED.settled, paid = EXCLUDED.paid, segments = EXCLUDED.segments, "
      "bytes = EXCLUDED.bytes, chain = EXCLUDED.chain, receipt_sig = EXCLUDED.receipt_sig, "
      "rendition_counts = EXCLUDED.rendition_counts",
      existed);
}

// `seq`: the entry's number; none: the next of the sequence.
Result<PgRow> JournalRow(const std::string& value, std::optional<uint64_t> seq) {
  auto e = Parsed<JournalEntry>(value);
  if (!e) return e.error();
  PgRow row{"journal",
            "kind, from_address, to_address, amount, ref, ts",
            {e->kind, e->from, e->to, N(e->amount), e->ref, T(e->ts)}};
  if (seq) {
    row.columns += ", seq";
    row.values.push_back(N(*seq));
  }
  return row;
}

Result<std::optional<std::string>> ReadAnswer(PgConnection& db, const keys::AnswerKey& key) {
  auto row = OneRow(db, "SELECT request_id, body FROM answers WHERE signer = $1 AND nonce = $2",
                    {key.signer, key.nonce});
  if (!row) return row.error();
  if (!row->has_value()) return std::optional<std::string>();
  return std::optional<std::string>(PgAnswerText(S((**row)[0]), S((**row)[1])));
}

Result<PgRow> AnswerRow(const keys::AnswerKey& key, const std::string& value, int64_t request_ts) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || !j.contains("answer"))
    return MakeError(ErrorCode::kInternal, "a stored answer is not {id, answer}");
  return PgRow{
      "answers",
      "signer, nonce, request_id, body, request_ts",
      {key.signer, key.nonce, j["id"].get<std::string>(), j["answer"].dump(), T(request_ts)}};
}

Status WriteAnswer(PgConnection& db, const keys::AnswerKey& key, const std::string& value,
                   int64_t request_ts) {
  auto row = AnswerRow(key, value, request_ts);
  if (!row) return row.error();
  // Another instance may have answered the same nonce since it was looked
  // up (outside this transaction): then this change is not applied.
  auto inserted =
      db.Exec(InsertSql(*row, 1) + " ON CONFLICT (signer, nonce) DO NOTHING", row->values);
  if (!inserted) return inserted.error();
  if (inserted->affected != 1)
    return MakeError(ErrorCode::kDuplicate, "nonce " + key.nonce + " was answered meanwhile");
  return Status::Ok();
}

}  // namespace

std::string PgAnswerText(const std::string& request_id, const std::string& body) {
  return "{\"answer\":" + body + ",\"id\":\"" + request_id + "\"}";
}

uint64_t PgUnsigned(const PgParam& value) {
  return value ? std::strtoull(value->c_str(), nullptr, 10) : 0;
}

json PgAccountJson(const std::string& address, const std::vector<PgParam>& row, size_t at) {
  auto r = [&](size_t i) -> const PgParam& { return row.at(at + i); };
  json j = {{"address", address}, {"kind", S(r(0))}, {"balance", PgUnsigned(r(1))}};
  if (S(r(0)) != "ordinary") {
    j["locked"] = PgUnsigned(r(2));
    j["available"] = PgUnsigned(r(1)) - PgUnsigned(r(2));  // locked <= balance: a table constraint
    j["owner"] = S(r(3));
    j["open"] = S(r(4)) == "t";
    j["open_contracts"] = PgUnsigned(r(5));
    j["segments"] = PgUnsigned(r(6));
    j["bytes"] = PgUnsigned(r(7));
    j["created"] = I(r(8));
    j["closed"] = I(r(9));
  }
  return j;
}

json PgContractJson(const std::string& id, const std::vector<PgParam>& row, size_t at) {
  auto r = [&](size_t i) -> const PgParam& { return row.at(at + i); };
  json terms = {{"tracker", S(r(0))},        {"viewer", S(r(1))},
                {"broadcaster", S(r(2))},    {"spend_address", S(r(3))},
                {"income_address", S(r(4))}, {"stream", S(r(5))},
                {"price", PgUnsigned(r(6))}, {"max_segments", PgUnsigned(r(7))},
                {"expires", I(r(8))},        {"nonce", S(r(9))}};
  std::vector<std::string> names = ArrayItems(r(23)), prices = ArrayItems(r(24));
  if (!names.empty()) {
    json renditions = json::array();
    for (size_t i = 0; i < names.size(); ++i) {
      renditions.push_back(
          {{"name", names[i]}, {"price", i < prices.size() ? PgUnsigned(prices[i]) : uint64_t{0}}});
    }
    terms["renditions"] = std::move(renditions);
  }
  json out = {{"id", id},
              {"terms", terms},
              {"viewer_sig", S(r(10))},
              {"broadcaster_sig", S(r(11))},
              {"state", S(r(12))},
              {"lock", PgUnsigned(r(13))},
              {"charged", PgUnsigned(r(14))},
              {"opened", I(r(15))},
              {"release_at", I(r(16))},
              {"settled", I(r(17))},
              {"paid", PgUnsigned(r(18))},
              {"segments", PgUnsigned(r(19))},
              {"bytes", PgUnsigned(r(20))},
              {"chain", S(r(21))},
              {"receipt_sig", S(r(22))}};
  std::vector<std::string> counts = ArrayItems(r(25));
  if (!counts.empty()) {
    json list = json::array();
    for (const std::string& n : counts) list.push_back(PgUnsigned(n));
    out["counts"] = std::move(list);
  }
  return out;
}

bool PgRowRecord(const std::string& key) {
  for (const keys::KeyRange* r :
       {&keys::kAccounts, &keys::kOwners, &keys::kContracts, &keys::kJournal, &keys::kAnswers}) {
    if (r->Contains(key)) return true;
  }
  return false;
}

Result<std::optional<std::string>> PgReadRecord(PgConnection& db, const std::string& key,
                                                bool lock) {
  if (auto address = keys::ParseAccountKey(key)) return ReadAccount(db, *address, lock);
  if (auto owner = keys::ParseOwnerKey(key)) return ReadOwner(db, *owner, lock);
  if (auto id = keys::ParseContractKey(key)) return ReadContract(db, *id, lock);
  if (auto answer = keys::ParseAnswerKey(key)) return ReadAnswer(db, *answer);
  return Unkept(key);
}

Result<PgRow> PgRecordRow(const std::string& key, const std::string& value, int64_t request_ts) {
  if (keys::ParseAccountKey(key)) return AccountRow(value);
  if (auto owner = keys::ParseOwnerKey(key)) return OwnerRow(*owner, value);
  if (keys::ParseContractKey(key)) return ContractRow(value);
  if (auto seq = keys::ParseJournalKey(key)) return JournalRow(value, *seq);
  if (auto answer = keys::ParseAnswerKey(key)) return AnswerRow(*answer, value, request_ts);
  return MakeError(ErrorCode::kInternal, "ledger record " + key + " has no row in PostgreSQL");
}

Status PgWriteRecord(PgConnection& db, const std::string& key,
                     const std::optional<std::string>& value, bool existed, int64_t request_ts) {
  if (auto address = keys::ParseAccountKey(key)) {
    if (value) return WriteAccount(db, *value, existed);
    return Done(db.Exec("DELETE FROM accounts WHERE address = $1", {*address}));
  }
  if (auto owner = keys::ParseOwnerKey(key)) {
    if (value) return WriteOwner(db, *owner, *value, existed);
    return Done(db.Exec("DELETE FROM owners WHERE kind = $1 AND owner = $2",
                        {std::string(KindName(owner->kind)), owner->owner}));
  }
  if (auto id = keys::ParseContractKey(key)) {
    if (value) return WriteContract(db, *value, existed);
    return Done(db.Exec("DELETE FROM contracts WHERE id = $1", {*id}));
  }
  if (keys::ParseJournalKey(key) && value) {
    auto row = JournalRow(*value, std::nullopt);
    if (!row) return row.error();
    return Done(db.Exec(InsertSql(*row, 1), row->values));
  }
  if (auto answer = keys::ParseAnswerKey(key)) {
    if (value) return WriteAnswer(db, *answer, *value, request_ts);
    return Done(db.Exec("DELETE FROM answers WHERE signer = $1 AND nonce = $2",
                        {answer->signer, answer->nonce}));
  }
  return MakeError(ErrorCode::kInternal, "ledger record " + key + " has no row in PostgreSQL");
}

}  // namespace tollstream
