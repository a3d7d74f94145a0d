#include "tracker/ledger.h"

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/protocol/address.h"
#include "tracker/ledger_keys.h"

namespace tollstream {
namespace {

Error Conflict(std::string message) {
  return MakeError(ErrorCode::kConflict, std::move(message));
}
Error Forbidden(std::string message) {
  return MakeError(ErrorCode::kForbidden, std::move(message));
}
Error NotFound(std::string message) {
  return MakeError(ErrorCode::kNotFound, std::move(message));
}
Error Broken(std::string message) {
  return MakeError(ErrorCode::kInternal, "ledger invariant broken: " + std::move(message));
}

// Loads a record of type T at `key`; nullopt when absent.
template <typename T>
Result<std::optional<T>> Load(const LedgerTxn& txn, const std::string& key) {
  auto raw = txn.GetJson(key);
  if (!raw) return raw.error();
  if (!raw->has_value()) return std::optional<T>();
  auto parsed = T::FromJson(**raw);
  if (!parsed) return parsed.error();
  return std::optional<T>(std::move(*parsed));
}

// Every address exists: one never seen is an ordinary address with nothing in it.
Result<Account> LoadAccount(const LedgerTxn& txn, const std::string& address) {
  auto found = Load<Account>(txn, keys::Account(address));
  if (!found) return found.error();
  if (found->has_value()) return std::move(**found);
  Account fresh;
  fresh.address = address;
  return fresh;
}

void Store(LedgerTxn& txn, const Account& a) {
  txn.PutJson(keys::Account(a.address), a.ToJson());
}

// Supply and totals are created on first use.
template <typename T>
Result<T> LoadOrDefault(const LedgerTxn& txn, const char* key) {
  auto found = Load<T>(txn, key);
  if (!found) return found.error();
  return found->value_or(T{});
}

// Moves `amount` from `from` to `to` (both loaded by the caller, who stores
// them) and writes the journal entry.
Status Move(LedgerTxn& txn, Supply& supply, std::string_view kind, Account& from, Account& to,
            uint64_t amount, const std::string& ref, int64_t now) {
  auto debited = CheckedSub(from.balance, amount);
  auto credited = CheckedAdd(to.balance, amount);
  if (!debited || !credited)
    return Broken("a movement of " + std::to_string(amount) + " does not fit");
  from.balance = *debited;
  to.balance = *credited;
  JournalEntry e{
      supply.journal_next++, std::string(kind), from.address, to.address, amount, ref, now};
  txn.PutJson(keys::Journal(e.seq), e.ToJson());
  return Status::Ok();
}

Status SpendableFromOrdinary(const Account& a, uint64_t amount) {
  if (a.balance < amount) {
    return MakeError(ErrorCode::kInsufficientFunds, "address " + a.address + " holds " +
                                                        std::to_string(a.balance) + ", less than " +
                                                        std::to_string(amount));
  }
  return Status::Ok();
}

Status MustBeOrdinary(const Account& a, std::string_view role) {
  if (a.kind != AccountKind::kOrdinary) {
    return Conflict(std::string(role) + " " + a.address + " is a special (" +
                    std::string(KindName(a.kind)) + ") address owned by the tracker");
  }
  return Status::Ok();
}

// The open special address `address` of kind `kind`, owned by `owner`.
Result<Account> LoadOpenSpecial(const LedgerTxn& txn, AccountKind kind, const std::string& address,
                                const PublicKey& owner, std::string_view role) {
  auto found = Load<Account>(txn, keys::Account(address));
  if (!found) return found.error();
  std::string what = std::string(role) + " " + address;
  if (!found->has_value() || (*found)->kind != kind) {
    return NotFound(what + " is not a known " + std::string(KindName(kind)) +
                    " address of this tracker");
  }
  Account& a = **found;
  if (a.owner != owner.ToHex()) return Forbidden(what + " belongs to another key");
  if (!a.open) return Conflict(what + " is closed");
  return std::move(a);
}

uint64_t Decrement(uint64_t n) {
  return n == 0 ? 0 : n - 1;
}

}  // namespace

Result<json> Ledger::Mint(LedgerTxn& txn, const std::string& to, uint64_t amount,
                          const std::string& ref, int64_t now) {
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  if (!supply) return supply.error();
  auto account = LoadAccount(txn, to);
  if (!account) return account.error();
  if (Status s = MustBeOrdinary(*account, "to"); !s) return s.error();
  auto minted = CheckedAdd(supply->minted, amount);
  if (!minted) {
    return Conflict("minting " + std::to_string(amount) + " would take the supply past 2^53-1");
  }
  Account source;  // the mint entry comes from nowhere: it has an empty address
  source.balance = amount;
  if (Status s = Move(txn, *supply, "mint", source, *account, amount, ref, now); !s)
    return s.error();
  supply->minted = *minted;
  Store(txn, *account);
  txn.PutJson(keys::kSupply, supply->ToJson());
  return json{{"to", to}, {"amount", amount}, {"balance", account->balance}, {"minted", *minted}};
}

Result<json> Ledger::Transfer(LedgerTxn& txn, const PublicKey& from, const std::string& to,
                              uint64_t amount, const std::string& ref, int64_t now) {
  std::string from_address = AddressOf(from);
  if (from_address == to)
    return MakeError(ErrorCode::kInvalidField, "params.to is the sender's own address");
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  if (!supply) return supply.error();
  auto source = LoadAccount(txn, from_address);
  if (!source) return source.error();
  auto target = LoadAccount(txn, to);
  if (!target) return target.error();
  if (Status s = MustBeOrdinary(*target, "to"); !s) return s.error();
  if (Status s = SpendableFromOrdinary(*source, amount); !s) return s.error();
  if (Status s = Move(txn, *supply, "transfer", *source, *target, amount, ref, now); !s) {
    return s.error();
  }
  Store(txn, *source);
  Store(txn, *target);
  txn.PutJson(keys::kSupply, supply->ToJson());
  return json{{"from", from_address}, {"to", to}, {"amount", amount}, {"balance", source->balance}};
}

Result<json> Ledger::GetSpecialAddress(LedgerTxn& txn, AccountKind kind, const PublicKey& owner,
                                       int64_t now, bool* created) {
  std::string index_key = keys::Owner(kind, owner);
  auto index = Load<OwnerIndex>(txn, index_key);
  if (!index) return index.error();
  OwnerIndex idx = index->value_or(OwnerIndex{});
  *created = idx.address.empty();
  if (!*created) {
    auto account = LoadOpenSpecial(txn, kind, idx.address, owner, "address");
    if (!account)
      return Broken("the owner index names " + idx.address + ": " + account.error().message);
    return account->ToJson();
  }
  Account a;
  a.kind = kind;
  a.address = SpecialAddress(kind, m_tracker, owner, idx.generation);
  a.owner = owner.ToHex();
  a.open = true;
  a.created = now;
  idx.address = a.address;
  idx.generation += 1;
  Store(txn, a);
  txn.PutJson(index_key, idx.ToJson());
  return a.ToJson();
}

Result<json> Ledger::GetIncomeAddress(LedgerTxn& txn, const PublicKey& owner, int64_t now) {
  bool created = false;
  auto account = GetSpecialAddress(txn, AccountKind::kIncome, owner, now, &created);
  if (!account) return account.error();
  (*account)["created_now"] = created;
  return account;
}

Result<std::optional<std::string>> Ledger::OpenIncomeAddress(const LedgerTxn& txn,
                                                             const PublicKey& owner) const {
  auto index = Load<OwnerIndex>(txn, keys::Owner(AccountKind::kIncome, owner));
  if (!index) return index.error();
  if (!index->has_value() || (*index)->address.empty()) return std::optional<std::string>();
  return std::optional<std::string>((*index)->address);
}

Result<json> Ledger::GetSpendAddress(LedgerTxn& txn, const PublicKey& owner, uint64_t deposit,
                                     const std::string& ref, int64_t now) {
  bool created = false;
  auto spend_json = GetSpecialAddress(txn, AccountKind::kSpend, owner, now, &created);
  if (!spend_json) return spend_json.error();
  auto spend = LoadAccount(txn, (*spend_json)["address"].get<std::string>());
  if (!spend) return spend.error();
  if (deposit > 0) {
    auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
    if (!supply) return supply.error();
    auto source = LoadAccount(txn, AddressOf(owner));
    if (!source) return source.error();
    if (Status s = SpendableFromOrdinary(*source, deposit); !s) return s.error();
    if (Status s = Move(txn, *supply, "deposit", *source, *spend, deposit, ref, now); !s) {
      return s.error();
    }
    Store(txn, *source);
    Store(txn, *spend);
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  json out = spend->ToJson();
  out["created_now"] = created;
  out["deposited"] = deposit;
  return out;
}

Result<json> Ledger::OpenContract(LedgerTxn& txn, const PublicKey& caller, const Contract& contract,
                                  int64_t now) {
  const ContractTerms& t = contract.terms;
  if (caller != t.broadcaster)
    return Forbidden("openContract must be sent by the contract's broadcaster");
  if (t.tracker != m_tracker) {
    return MakeError(ErrorCode::kWrongTracker, "the contract names another tracker");
  }
  if (t.expires <= now) return Conflict("the contract expired at " + std::to_string(t.expires));
  if (t.expires > now + m_config.max_contract_seconds) {
    return MakeError(ErrorCode::kInvalidField, "params.contract.terms.expires is more than " +
                                                   std::to_string(m_config.max_contract_seconds) +
                                                   " seconds ahead");
  }
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

  uint64_t lock = t.Lock();
  if (spend->balance - spend->locked < lock) {
    return MakeError(ErrorCode::kInsufficientFunds,
                     "the spend address has " + std::to_string(spend->balance - spend->locked) +
                         " available, the contract locks " + std::to_string(lock));
  }
  spend->locked += lock;
  spend->open_contracts += 1;
  income->open_contracts += 1;
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();
  totals->contracts_opened += 1;

  ContractRecord rec;
  rec.terms = t;
  rec.id = id;
  rec.viewer_sig = ToHex(*contract.viewer_sig);
  rec.broadcaster_sig = ToHex(*contract.broadcaster_sig);
  rec.state = ContractState::kOpen;
  rec.lock = lock;
  rec.opened = now;
  rec.release_at = t.expires + m_config.grace_seconds;
  Store(txn, *spend);
  Store(txn, *income);
  txn.PutJson(keys::Contract(id), rec.ToJson());
  txn.Put(keys::Release(rec.release_at, id), "");
  txn.PutJson(keys::kTotals, totals->ToJson());
  return json{
      {"contract", id},
      {"state", "open"},
      {"lock", lock},
      {"expires", t.expires},
      {"release_at", rec.release_at},
      {"spend",
       {{"address", spend->address}, {"balance", spend->balance}, {"locked", spend->locked}}}};
}

Result<json> Ledger::CloseContract(LedgerTxn& txn, const PublicKey& caller, const std::string& id,
                                   const std::optional<Receipt>& receipt, int64_t now,
                                   ReceiptRefusal* refusal) {
  auto refuse = [refusal](ReceiptRefusal why, Error error) {
    if (refusal != nullptr) *refusal = why;
    return error;
  };
  auto found = Load<ContractRecord>(txn, keys::Contract(id));
  if (!found) return found.error();
  if (!found->has_value()) return NotFound("no contract " + id);
  ContractRecord& rec = **found;
  const ContractTerms& t = rec.terms;
  if (caller != t.broadcaster)
    return Forbidden("closeContract must be sent by the contract's broadcaster");
  if (rec.state != ContractState::kOpen) {
    return Conflict("contract " + id + " is " + std::string(StateName(rec.state)) + " already");
  }
  if (now >= rec.release_at) {
    return Conflict("contract " + id + " expired and its lock is being released");
  }
  uint64_t amount = 0;
  if (receipt) {
    if (receipt->viewer != t.viewer) {
      return refuse(ReceiptRefusal::kWrongViewer,
                    Forbidden("the receipt is not signed by the contract's viewer"));
    }
    if (receipt->segments > t.max_segments) {
      return refuse(ReceiptRefusal::kTooManySegments,
                    MakeError(ErrorCode::kInvalidField,
                              "params.receipt.segments exceeds the contract's max_segments"));
    }
    if (receipt->amount != t.price * receipt->segments) {
      return refuse(
          ReceiptRefusal::kWrongAmount,
          MakeError(ErrorCode::kInvalidField, "params.receipt.amount must be segments x price = " +
                                                  std::to_string(t.price * receipt->segments)));
    }
    amount = receipt->amount;
  }
  auto spend = LoadAccount(txn, t.spend_address);
  if (!spend) return spend.error();
  auto income = LoadAccount(txn, t.income_address);
  if (!income) return income.error();
  if (spend->locked < rec.lock || spend->balance < amount)
    return Broken("spend address " + spend->address);
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  if (!supply) return supply.error();
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();

  spend->locked -= rec.lock;
  spend->open_contracts = Decrement(spend->open_contracts);
  income->open_contracts = Decrement(income->open_contracts);
  if (amount > 0) {
    if (Status s = Move(txn, *supply, "pay", *spend, *income, amount, id, now); !s)
      return s.error();
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  rec.state = ContractState::kClosed;
  rec.settled = now;
  rec.paid = amount;
  if (receipt) {
    rec.segments = receipt->segments;
    rec.bytes = receipt->bytes;
    rec.chain = ToHex(receipt->chain);
    rec.receipt_sig = ToHex(receipt->sig);
  }
  for (Account* a : {&*spend, &*income}) {
    a->segments = CheckedAdd(a->segments, rec.segments).value_or(kMaxAmount);
    a->bytes = CheckedAdd(a->bytes, rec.bytes).value_or(kMaxAmount);
  }
  totals->contracts_closed += 1;
  totals->segments = CheckedAdd(totals->segments, rec.segments).value_or(kMaxAmount);
  totals->bytes = CheckedAdd(totals->bytes, rec.bytes).value_or(kMaxAmount);
  totals->paid += amount;
  Store(txn, *spend);
  Store(txn, *income);
  txn.PutJson(keys::Contract(id), rec.ToJson());
  txn.Delete(keys::Release(rec.release_at, id));
  txn.PutJson(keys::kTotals, totals->ToJson());
  return json{{"contract", id},           {"state", "closed"},
              {"paid", amount},           {"released", rec.lock - amount},
              {"segments", rec.segments}, {"bytes", rec.bytes}};
}

Result<json> Ledger::ExpireContract(LedgerTxn& txn, const std::string& id, int64_t now) {
  auto found = Load<ContractRecord>(txn, keys::Contract(id));
  if (!found) return found.error();
  if (!found->has_value()) return NotFound("no contract " + id);
  ContractRecord& rec = **found;
  if (rec.state != ContractState::kOpen) return Conflict("contract " + id + " is not open");
  if (now < rec.release_at) return Conflict("contract " + id + " is not due for release");
  auto spend = LoadAccount(txn, rec.terms.spend_address);
  if (!spend) return spend.error();
  auto income = LoadAccount(txn, rec.terms.income_address);
  if (!income) return income.error();
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();
  if (spend->locked < rec.lock) return Broken("spend address " + spend->address);
  spend->locked -= rec.lock;
  spend->open_contracts = Decrement(spend->open_contracts);
  income->open_contracts = Decrement(income->open_contracts);
  rec.state = ContractState::kExpired;
  rec.settled = now;
  totals->contracts_expired += 1;
  Store(txn, *spend);
  Store(txn, *income);
  txn.PutJson(keys::Contract(id), rec.ToJson());
  txn.Delete(keys::Release(rec.release_at, id));
  txn.PutJson(keys::kTotals, totals->ToJson());
  return json{{"contract", id}, {"state", "expired"}, {"released", rec.lock}};
}

Result<json> Ledger::CloseSpecial(LedgerTxn& txn, AccountKind kind, const PublicKey& owner,
                                  const std::string& address, const std::string& ref, int64_t now) {
  auto special = LoadOpenSpecial(txn, kind, address, owner, "params.address");
  if (!special) return special.error();
  if (special->open_contracts > 0) {
    return Conflict("address " + address + " has " + std::to_string(special->open_contracts) +
                    " open contract(s)");
  }
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  if (!supply) return supply.error();
  auto target = LoadAccount(txn, AddressOf(owner));
  if (!target) return target.error();
  uint64_t amount = special->balance;
  if (amount > 0) {
    std::string_view movement = kind == AccountKind::kIncome ? "payout" : "refund";
    if (Status s = Move(txn, *supply, movement, *special, *target, amount, ref, now); !s) {
      return s.error();
    }
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  std::string index_key = keys::Owner(kind, owner);
  auto index = Load<OwnerIndex>(txn, index_key);
  if (!index) return index.error();
  if (!index->has_value() || (*index)->address != address) {
    return Broken("the owner index does not name open address " + address);
  }
  (*index)->address.clear();
  special->open = false;
  special->closed = now;
  Store(txn, *special);
  if (amount > 0) Store(txn, *target);  // an address that received nothing keeps no record
  txn.PutJson(index_key, (*index)->ToJson());
  return json{{"address", address},
              {"state", "closed"},
              {"paid_out", amount},
              {"to", target->address},
              {"balance", target->balance}};
}

Result<json> Ledger::CloseIncomeAddress(LedgerTxn& txn, const PublicKey& owner,
                                        const std::string& address, const std::string& ref,
                                        int64_t now) {
  return CloseSpecial(txn, AccountKind::kIncome, owner, address, ref, now);
}

Result<json> Ledger::CloseSpendAddress(LedgerTxn& txn, const PublicKey& owner,
                                       const std::string& address, const std::string& ref,
                                       int64_t now) {
  return CloseSpecial(txn, AccountKind::kSpend, owner, address, ref, now);
}

Result<json> Ledger::AccountInfo(const LedgerTxn& txn, const std::string& address) const {
  auto account = LoadAccount(txn, address);
  if (!account) return account.error();
  return account->ToJson();
}

Result<json> Ledger::ContractInfo(const LedgerTxn& txn, const std::string& id) const {
  auto found = Load<ContractRecord>(txn, keys::Contract(id));
  if (!found) return found.error();
  if (!found->has_value()) return NotFound("no contract " + id);
  return (*found)->ToJson();
}

Result<json> Ledger::Summary(const LedgerTxn& txn) const {
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  if (!supply) return supply.error();
  auto totals = LoadOrDefault<Totals>(txn, keys::kTotals);
  if (!totals) return totals.error();
  json out = totals->ToJson();
  out["minted"] = supply->minted;
  out["journal_entries"] = supply->journal_next;
  return out;
}

}  // namespace tollstream
