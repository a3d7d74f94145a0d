// What the rules of the ledger (tracker/ledger.h: accounts and special
// addresses in ledger.cpp, contracts in ledger_contracts.cpp) share: typed
// reads and writes of its records inside a LedgerTxn, the one way tokens move
// (with their journal entry), and the errors the rules answer with.
//
// Reads return an Error only for storage (kUnavailable) or a damaged record
// (kInternal); nothing here commits. Not thread-safe, like LedgerTxn.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"
#include "tracker/ledger_txn.h"

namespace tollstream {

Error Conflict(std::string message);
Error Forbidden(std::string message);
Error NotFound(std::string message);
// kInternal: the ledger broke one of its own invariants.
Error Broken(std::string message);

// The record of type T (one with FromJson) at `key`; nullopt when absent.
template <typename T>
Result<std::optional<T>> Load(const LedgerTxn& txn, const std::string& key) {
  auto raw = txn.GetJson(key);
  if (!raw) return raw.error();
  if (!raw->has_value()) return std::optional<T>();
  auto parsed = T::FromJson(**raw);
  if (!parsed) return parsed.error();
  return std::optional<T>(std::move(*parsed));
}

// The record at `key`, or a default one when absent (supply and totals are
// created on first use).
template <typename T>
Result<T> LoadOrDefault(const LedgerTxn& txn, const char* key) {
  auto found = Load<T>(txn, key);
  if (!found) return found.error();
  return found->value_or(T{});
}

// Every address exists: one never seen is an ordinary address holding nothing.
Result<Account> LoadAccount(const LedgerTxn& txn, const std::string& address);
void StoreAccount(LedgerTxn& txn, const Account& account);

// The open special address `address` of kind `kind`, owned by `owner`.
// Errors: kNotFound (no such address of that kind), kForbidden (another
// owner's), kConflict (closed); each message names it as `role`.
Result<Account> LoadOpenSpecial(const LedgerTxn& txn, AccountKind kind, const std::string& address,
                                const PublicKey& owner, std::string_view role);

// Moves `amount` from `from` to `to` (both loaded by the caller, who stores
// them) and writes its journal entry, numbered from `supply` (which the
// caller stores too). Errors: kInternal when a balance would not fit.
Status Move(LedgerTxn& txn, Supply& supply, std::string_view kind, Account& from, Account& to,
            uint64_t amount, const std::string& ref, int64_t now);

}  // namespace tollstream
