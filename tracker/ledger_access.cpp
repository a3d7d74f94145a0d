#include "tracker/ledger_access.h"

#include "common/base/amount.h"

namespace tollstream {

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

Result<Account> LoadAccount(const LedgerTxn& txn, const std::string& address) {
  auto found = Load<Account>(txn, keys::Account(address));
  if (!found) return found.error();
  if (found->has_value()) return std::move(**found);
  Account fresh;
  fresh.address = address;
  return fresh;
}

void StoreAccount(LedgerTxn& txn, const Account& account) {
  txn.PutJson(keys::Account(account.address), account.ToJson());
}

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

}  // namespace tollstream
