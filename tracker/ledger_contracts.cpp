// The Ledger's rules for contracts: opening one pays the broadcaster's
// income address an opening charge of one segment's price (the highest,
// under terms with renditions) and locks price x max_segments in the
// viewer's spend address; closing it with a receipt pays the broadcaster
// what the receipt covers, at each rendition's price, and releases the
// rest; expiring it releases the whole lock. The charge is never returned.
#include "common/base/amount.h"
#include "common/base/hex.h"
#include "tracker/ledger.h"
#include "tracker/ledger_access.h"

namespace tollstream {
namespace {

uint64_t Decrement(uint64_t n) {
  return n == 0 ? 0 : n - 1;
}

// Refuses terms this tracker does not take from `caller` at `now`.
Status CheckTerms(const ContractTerms& t, const PublicKey& caller, const PublicKey& tracker,
                  const LedgerConfig& config, int64_t now) {
  if (caller != t.broadcaster)
    return Forbidden("openContract must be sent by the contract's broadcaster");
  if (t.tracker != tracker) {
    return MakeError(ErrorCode::kWrongTracker, "the contract names another tracker");
  }
  if (t.viewer == t.broadcaster) {
    return MakeError(
        ErrorCode::kInvalidField,
        "params.contract.terms.viewer is the broadcaster: a key cannot buy from itself");
  }
  if (t.expires <= now) return Conflict("the contract expired at " + std::to_string(t.expires));
  if (t.expires > now + config.max_contract_seconds) {
    return MakeError(ErrorCode::kInvalidField, "params.contract.terms.expires is more than " +
                                                   std::to_string(config.max_contract_seconds) +
                                                   " seconds ahead");
  }
  return Status::Ok();
}

// The contract `id`. Errors: kNotFound, and those of Load.
Result<ContractRecord> LoadContract(const LedgerTxn& txn, const std::string& id) {
  auto found = Load<ContractRecord>(txn, keys::Contract(id));
  if (!found) return found.error();
  if (!found->has_value()) return NotFound("no contract " + id);
  return std::move(**found);
}

// Refuses to close contract `id` (`rec`) for `caller` at `now`: only its
// broadcaster closes it, once, before its lock is being released.
Status CheckClosable(const std::string& id, const ContractRecord& rec, const PublicKey& caller,
                     int64_t now) {
  if (caller != rec.terms.broadcaster)
    return Forbidden("closeContract must be sent by the contract's broadcaster");
  if (rec.state != ContractState::kOpen) {
    return Conflict("contract " + id + " is " + std::string(StateName(rec.state)) + " already");
  }
  if (now >= rec.release_at) {
    return Conflict("contract " + id + " expired and its lock is being released");
  }
  return Status::Ok();
}

// What a closing receipt pays under terms `t` (0 without a receipt); when
// the receipt is refused, `*refusal` (if given) says why.
Result<uint64_t> ReceiptAmount(const ContractTerms& t, const std::optional<Receipt>& receipt,
                               ReceiptRefusal* refusal) {
  auto refuse = [refusal](ReceiptRefusal why, Error error) {
    if (refusal != nullptr) *refusal = why;
    return error;
  };
  if (!receipt) return uint64_t{0};
  if (receipt->viewer != t.viewer) {
    return refuse(ReceiptRefusal::kWrongViewer,
                  Forbidden("the receipt is not signed by the contract's viewer"));
  }
  if (receipt->segments > t.max_segments) {
    return refuse(ReceiptRefusal::kTooManySegments,
                  MakeError(ErrorCode::kInvalidField,
                            "params.receipt.segments exceeds the contract's max_segments"));
  }
  auto cost = t.Cost(receipt->segments, receipt->counts, "params.receipt");
  if (!cost) return refuse(ReceiptRefusal::kWrongCounts, cost.error());
  if (receipt->amount != *cost) {
    return refuse(
        ReceiptRefusal::kWrongAmount,
        MakeError(ErrorCode::kInvalidField,
                  std::string("params.receipt.amount must be ") +
                      (t.renditions.empty() ? "segments x price"
                                            : "the sum of each rendition's count x price") +
                      " = " + std::to_string(*cost)));
  }
  return receipt->amount;
}

// The records the settlement of an open contract changes.
struct Parties {
  Account spend;
  Account income;
  Totals totals;
};

// The parties of open contract `rec`, whose spend address must hold its lock
// and `paying` more.
Result<Parties> LoadParties(const LedgerTxn& txn, const ContractRecord& rec, uint64_t paying) {
  auto spend = LoadAccount(txn, rec.terms.spend_address);
  if (!spend) return spend.error();
  auto income = LoadAccount(txn, rec.terms.income_address);
  if (!income) return income.error();
  if (spend->locked < rec.lock || spend->balance < paying)
    return Broken("spend address " + spend->address);
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();
  return Parties{std::move(*spend), std::move(*income), *totals};
}

// Releases the lock of contract `id` (`rec`, settled by the caller) and
// writes it, out of the release index, with its parties.
void WriteSettled(LedgerTxn& txn, const std::string& id, const ContractRecord& rec, Parties& p) {
  p.spend.locked -= rec.lock;
  p.spend.open_contracts = Decrement(p.spend.open_contracts);
  p.income.open_contracts = Decrement(p.income.open_contracts);
  StoreAccount(txn, p.spend);
  StoreAccount(txn, p.income);
  txn.PutJson(keys::Contract(id), rec.ToJson());
  txn.Delete(keys::Release(rec.release_at, id));
  txn.Delete(keys::OpenByAddress(rec.terms.spend_address, id));
  txn.Delete(keys::OpenByAddress(rec.terms.income_address, id));
  txn.PutJson(keys::kTotals, p.totals.ToJson());
}

// Adds the traffic `rec` settled to its parties' figures.
void AddTraffic(const ContractRecord& rec, Parties& p) {
  for (Account* a : {&p.spend, &p.income}) {
    a->segments = CheckedAdd(a->segments, rec.segments).value_or(kMaxAmount);
    a->bytes = CheckedAdd(a->bytes, rec.bytes).value_or(kMaxAmount);
  }
  p.totals.segments = CheckedAdd(p.totals.segments, rec.segments).value_or(kMaxAmount);
  p.totals.bytes = CheckedAdd(p.totals.bytes, rec.bytes).value_or(kMaxAmount);
}

}  // namespace

Result<json> Ledger::OpenContract(LedgerTxn& txn, const PublicKey& caller, const Contract& contract,
                                  int64_t now) {
  const ContractTerms& t = contract.terms;
  if (Status s = CheckTerms(t, caller, m_tracker, m_config, now); !s) return s.error();
  std::string id = ToHex(contract.id);
  auto existing = txn.Get(keys::Contract(id));
  if (!existing) return existing.error();
  if (existing->has_value())
    return MakeError(ErrorCode::kDuplicate, "contract " + id + " exists already");

  auto spend =
      LoadOpenSpecial(txn, AccountKind::kSpend, t.spend_address, t.viewer, "spend_address");
  if (!spend) return spend.error();
  auto income =
      LoadOpenSpecial(txn, AccountKind::kIncome, t.income_address, t.broadcaster, "income_address");
  if (!income) return income.error();

  // The opening charge (one segment's price) goes to the broadcaster now and
  // is never returned: whatever the viewer does next, the one segment that
  // may travel unpaid is paid for.
  uint64_t lock = t.Lock();
  uint64_t charge = t.price;
  if (spend->balance - spend->locked < lock || spend->balance - spend->locked - lock < charge) {
    return MakeError(ErrorCode::kInsufficientFunds,
                     "the spend address has " + std::to_string(spend->balance - spend->locked) +
                         " available, the contract locks " + std::to_string(lock) +
                         " and charges " + std::to_string(charge) + " on opening");
  }
  if (charge > 0) {
    auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
    if (!supply) return supply.error();
    if (Status m = Move(txn, *supply, "charge", *spend, *income, charge, id, now); !m) {
      return m.error();
    }
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  spend->locked += lock;
  spend->open_contracts += 1;
  income->open_contracts += 1;
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();
  totals->contracts_opened += 1;
  totals->charged = CheckedAdd(totals->charged, charge).value_or(kMaxAmount);

  ContractRecord rec;
  rec.terms = t;
  rec.id = id;
  rec.viewer_sig = ToHex(*contract.viewer_sig);
  rec.broadcaster_sig = ToHex(*contract.broadcaster_sig);
  rec.state = ContractState::kOpen;
  rec.lock = lock;
  rec.charged = charge;
  rec.opened = now;
  rec.release_at = t.expires + m_config.grace_seconds;
  StoreAccount(txn, *spend);
  StoreAccount(txn, *income);
  txn.PutJson(keys::Contract(id), rec.ToJson());
  txn.Put(keys::Release(rec.release_at, id), "");
  txn.Put(keys::OpenByAddress(contract.terms.spend_address, id), "");
  txn.Put(keys::OpenByAddress(contract.terms.income_address, id), "");
  txn.PutJson(keys::kTotals, totals->ToJson());
  return json{
      {"contract", id},
      {"state", "open"},
      {"lock", lock},
      {"charged", charge},
      {"expires", t.expires},
      {"release_at", rec.release_at},
      {"spend",
       {{"address", spend->address}, {"balance", spend->balance}, {"locked", spend->locked}}}};
}

Result<json> Ledger::CloseContract(LedgerTxn& txn, const PublicKey& caller, const std::string& id,
                                   const std::optional<Receipt>& receipt, int64_t now,
                                   ReceiptRefusal* refusal) {
  auto rec = LoadContract(txn, id);
  if (!rec) return rec.error();
  if (Status s = CheckClosable(id, *rec, caller, now); !s) return s.error();
  auto amount = ReceiptAmount(rec->terms, receipt, refusal);
  if (!amount) return amount.error();
  auto parties = LoadParties(txn, *rec, *amount);
  if (!parties) return parties.error();
  if (*amount > 0) {
    auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
    if (!supply) return supply.error();
    Status s = Move(txn, *supply, "pay", parties->spend, parties->income, *amount, id, now);
    if (!s) return s.error();
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  rec->state = ContractState::kClosed;
  rec->settled = now;
  rec->paid = *amount;
  if (receipt) {
    rec->segments = receipt->segments;
    rec->bytes = receipt->bytes;
    rec->chain = ToHex(receipt->chain);
    rec->receipt_sig = ToHex(receipt->sig);
    rec->counts = receipt->counts;
  }
  AddTraffic(*rec, *parties);
  parties->totals.contracts_closed += 1;
  parties->totals.paid += *amount;
  WriteSettled(txn, id, *rec, *parties);
  return json{{"contract", id},
              {"state", "closed"},
              {"paid", *amount},
              {"released", rec->lock - *amount},
              {"segments", rec->segments},
              {"bytes", rec->bytes}};
}

Result<json> Ledger::ExpireContract(LedgerTxn& txn, const std::string& id, int64_t now) {
  auto rec = LoadContract(txn, id);
  if (!rec) return rec.error();
  if (rec->state != ContractState::kOpen) return Conflict("contract " + id + " is not open");
  if (now < rec->release_at) return Conflict("contract " + id + " is not due for release");
  auto parties = LoadParties(txn, *rec, /*paying=*/0);
  if (!parties) return parties.error();
  rec->state = ContractState::kExpired;
  rec->settled = now;
  parties->totals.contracts_expired += 1;
  WriteSettled(txn, id, *rec, *parties);
  return json{{"contract", id}, {"state", "expired"}, {"released", rec->lock}};
}

Result<json> Ledger::ContractInfo(const LedgerTxn& txn, const std::string& id) const {
  auto rec = LoadContract(txn, id);
  if (!rec) return rec.error();
  return rec->ToJson();
}

}  // namespace tollstream
