// The Ledger's rules for tokens and addresses: minting, transfers, and the
// special (income and spend) addresses of an owner. Contracts are in
// ledger_contracts.cpp.
#include "tracker/ledger.h"

#include "common/base/amount.h"
#include "common/protocol/address.h"
#include "tracker/ledger_access.h"

namespace tollstream {
namespace {

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
  StoreAccount(txn, *account);
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
  StoreAccount(txn, *source);
  StoreAccount(txn, *target);
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
  // Anyone can compute the next address and send tokens there before it is
  // made: they are kept, as its opening balance.
  auto existing = LoadAccount(txn, SpecialAddress(kind, m_tracker, owner, idx.generation));
  if (!existing) return existing.error();
  // Found special: made meanwhile by another instance for this owner (its
  // owner row is being written too: this change meets it and runs again).
  bool made_meanwhile = existing->kind == kind && existing->owner == owner.ToHex();
  if (existing->kind != AccountKind::kOrdinary && !made_meanwhile)
    return Broken("special address " + existing->address + " exists already");
  Account a = std::move(*existing);
  a.kind = kind;
  a.owner = owner.ToHex();
  a.open = true;
  a.created = now;
  idx.address = a.address;
  idx.generation += 1;
  StoreAccount(txn, a);
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

Result<std::optional<std::string>> Ledger::OpenSpecialAddress(const LedgerTxn& txn,
                                                              AccountKind kind,
                                                              const PublicKey& owner) const {
  auto index = Load<OwnerIndex>(txn, keys::Owner(kind, owner));
  if (!index) return index.error();
  if (!index->has_value() || (*index)->address.empty()) return std::optional<std::string>();
  return std::optional<std::string>((*index)->address);
}

Result<json> Ledger::OpenAddresses(const LedgerTxn& txn, const PublicKey& owner) const {
  json out = {{"owner", owner.ToHex()}};
  for (AccountKind kind : {AccountKind::kIncome, AccountKind::kSpend}) {
    auto open = OpenSpecialAddress(txn, kind, owner);
    if (!open) return open.error();
    out[std::string(KindName(kind))] = open->has_value() ? json(**open) : json(nullptr);
  }
  return out;
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
    StoreAccount(txn, *source);
    StoreAccount(txn, *spend);
    txn.PutJson(keys::kSupply, supply->ToJson());
  }
  json out = spend->ToJson();
  out["created_now"] = created;
  out["deposited"] = deposit;
  return out;
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
  StoreAccount(txn, *special);
  if (amount > 0) StoreAccount(txn, *target);  // an address that received nothing keeps no record
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
