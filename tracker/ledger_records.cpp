#include "tracker/ledger_records.h"

#include "common/base/hex.h"
#include "common/protocol/address.h"
#include "common/wire/fields.h"

namespace tollstream {
namespace {

Error Corrupt(std::string_view what, const Status& s) {
  return MakeError(ErrorCode::kInternal,
                   "ledger record " + std::string(what) + " is damaged: " + s.error().message);
}

std::optional<AccountKind> KindFromName(std::string_view name) {
  if (name == "ordinary") return AccountKind::kOrdinary;
  if (name == "income") return AccountKind::kIncome;
  if (name == "spend") return AccountKind::kSpend;
  return std::nullopt;
}

std::optional<ContractState> StateFromName(std::string_view name) {
  if (name == "open") return ContractState::kOpen;
  if (name == "closed") return ContractState::kClosed;
  if (name == "expired") return ContractState::kExpired;
  return std::nullopt;
}

constexpr int64_t kMaxTime = int64_t{1} << 40;

}  // namespace

std::string_view KindName(AccountKind kind) {
  switch (kind) {
    case AccountKind::kOrdinary:
      return "ordinary";
    case AccountKind::kIncome:
      return "income";
    case AccountKind::kSpend:
      return "spend";
  }
  return "?";
}

std::string_view StateName(ContractState state) {
  switch (state) {
    case ContractState::kOpen:
      return "open";
    case ContractState::kClosed:
      return "closed";
    case ContractState::kExpired:
      return "expired";
  }
  return "?";
}

json Account::ToJson() const {
  json j = {{"address", address}, {"kind", KindName(kind)}, {"balance", balance}};
  if (kind == AccountKind::kOrdinary) return j;
  j["locked"] = locked;
  j["available"] = balance - locked;
  j["owner"] = owner;
  j["open"] = open;
  j["open_contracts"] = open_contracts;
  j["segments"] = segments;
  j["bytes"] = bytes;
  j["created"] = created;
  j["closed"] = closed;
  return j;
}

Result<Account> Account::FromJson(const json& j) {
  ObjectReader r(j, "account");
  Account a;
  a.address = r.Address("address");
  auto kind = KindFromName(r.String("kind", 1, 16));
  a.balance = r.Amount("balance");
  if (r.ok() && !kind) r.Fail("kind", "is unknown");
  if (r.ok()) a.kind = *kind;
  if (r.ok() && a.kind != AccountKind::kOrdinary) {
    a.locked = r.Amount("locked");
    r.Amount("available");
    a.owner = r.HexString("owner", 32);
    a.open = r.Bool("open");
    a.open_contracts = r.Amount("open_contracts");
    a.segments = r.Amount("segments");
    a.bytes = r.Amount("bytes");
    a.created = r.Integer("created", 0, kMaxTime);
    a.closed = r.Integer("closed", 0, kMaxTime);
  }
  if (Status s = r.Finish(); !s) return Corrupt("account", s);
  return a;
}

std::string SpecialAddress(AccountKind kind, const PublicKey& tracker, const PublicKey& owner,
                           uint64_t generation) {
  return SpecialAddressOf(KindName(kind), tracker, owner, generation);
}

Result<OwnerIndex> OwnerIndex::FromJson(const json& j) {
  ObjectReader r(j, "owner");
  OwnerIndex o;
  o.address = r.String("address", 0, 64);
  o.generation = r.Amount("generation");
  if (Status s = r.Finish(); !s) return Corrupt("owner index", s);
  return o;
}

json ContractRecord::ToJson() const {
  json out = {{"id", id},
              {"terms", terms.ToJson()},
              {"viewer_sig", viewer_sig},
              {"broadcaster_sig", broadcaster_sig},
              {"state", StateName(state)},
              {"lock", lock},
              {"charged", charged},
              {"opened", opened},
              {"release_at", release_at},
              {"settled", settled},
              {"paid", paid},
              {"segments", segments},
              {"bytes", bytes},
              {"chain", chain},
              {"receipt_sig", receipt_sig}};
  if (!counts.empty()) out["counts"] = counts;
  return out;
}

Result<ContractRecord> ContractRecord::FromJson(const json& j) {
  ObjectReader r(j, "contract");
  ContractRecord c;
  c.id = r.HexString("id", 32);
  auto terms = ParseTerms(r.Object("terms"));
  c.viewer_sig = r.HexString("viewer_sig", 64);
  c.broadcaster_sig = r.HexString("broadcaster_sig", 64);
  auto state = StateFromName(r.String("state", 1, 16));
  c.lock = r.Amount("lock");
  if (r.Has("charged")) c.charged = r.Amount("charged");  // absent in older records
  c.opened = r.Integer("opened", 0, kMaxTime);
  c.release_at = r.Integer("release_at", 0, kMaxTime);
  c.settled = r.Integer("settled", 0, kMaxTime);
  c.paid = r.Amount("paid");
  c.segments = r.Amount("segments");
  c.bytes = r.Amount("bytes");
  c.chain = r.String("chain", 0, 64);
  c.receipt_sig = r.String("receipt_sig", 0, 128);
  if (r.Has("counts")) c.counts = r.Amounts("counts", 1, kMaxRenditions);
  if (r.ok() && !state) r.Fail("state", "is unknown");
  if (r.ok() && !terms) r.Fail("terms", terms.error().message);
  if (Status s = r.Finish(); !s) return Corrupt("contract", s);
  c.state = *state;
  c.terms = std::move(*terms);
  return c;
}

Result<Supply> Supply::FromJson(const json& j) {
  ObjectReader r(j, "supply");
  Supply s;
  s.minted = r.Amount("minted");
  s.journal_next = r.Amount("journal_next");
  if (Status st = r.Finish(); !st) return Corrupt("supply", st);
  return s;
}

json Totals::ToJson() const {
  return {{"contracts_opened", contracts_opened},
          {"contracts_closed", contracts_closed},
          {"contracts_expired", contracts_expired},
          {"segments", segments},
          {"bytes", bytes},
          {"paid", paid},
          {"charged", charged}};
}

Result<Totals> Totals::FromJson(const json& j) {
  ObjectReader r(j, "totals");
  Totals t;
  t.contracts_opened = r.Amount("contracts_opened");
  t.contracts_closed = r.Amount("contracts_closed");
  t.contracts_expired = r.Amount("contracts_expired");
  t.segments = r.Amount("segments");
  t.bytes = r.Amount("bytes");
  t.paid = r.Amount("paid");
  if (r.Has("charged")) t.charged = r.Amount("charged");  // absent in older records
  if (Status s = r.Finish(); !s) return Corrupt("totals", s);
  return t;
}

json JournalEntry::ToJson() const {
  return {{"seq", seq},       {"kind", kind}, {"from", from}, {"to", to},
          {"amount", amount}, {"ref", ref},   {"ts", ts}};
}

Result<JournalEntry> JournalEntry::FromJson(const json& j) {
  ObjectReader r(j, "journal");
  JournalEntry e;
  e.seq = r.Amount("seq");
  e.kind = r.String("kind", 1, 16);
  e.from = r.String("from", 0, 64);
  e.to = r.String("to", 0, 64);
  e.amount = r.Amount("amount");
  e.ref = r.String("ref", 0, 64);
  e.ts = r.Integer("ts", 0, kMaxTime);
  if (Status s = r.Finish(); !s) return Corrupt("journal entry", s);
  return e;
}

}  // namespace tollstream
