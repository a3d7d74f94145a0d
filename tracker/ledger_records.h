// The records of the ledger, as stored: each one's JSON form, read back
// strictly (a record that does not parse is an Error, kInternal). Where each
// record lives, its key, is in tracker/ledger_keys.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/protocol/contract.h"
#include "common/wire/json.h"

namespace tollstream {

enum class AccountKind { kOrdinary, kIncome, kSpend };
std::string_view KindName(AccountKind kind);

struct Account {
  std::string address;
  AccountKind kind = AccountKind::kOrdinary;
  uint64_t balance = 0;
  // Special addresses only:
  uint64_t locked = 0;  // spend: the sum of the locks of its open contracts
  std::string owner;    // the owner's public key
  bool open = true;
  uint64_t open_contracts = 0;
  uint64_t segments = 0;  // traffic settled through this address
  uint64_t bytes = 0;
  int64_t created = 0;
  int64_t closed = 0;

  json ToJson() const;
  static Result<Account> FromJson(const json& j);
};

// The special address number `generation` of `owner` at tracker `tracker`
// (common/protocol/address.h).
std::string SpecialAddress(AccountKind kind, const PublicKey& tracker, const PublicKey& owner,
                           uint64_t generation);

struct OwnerIndex {
  std::string address;      // the open special address, or empty
  uint64_t generation = 0;  // how many the owner has had

  json ToJson() const { return {{"address", address}, {"generation", generation}}; }
  static Result<OwnerIndex> FromJson(const json& j);
};

enum class ContractState { kOpen, kClosed, kExpired };
std::string_view StateName(ContractState state);

struct ContractRecord {
  ContractTerms terms;
  std::string id;  // hex
  std::string viewer_sig;
  std::string broadcaster_sig;
  ContractState state = ContractState::kOpen;
  uint64_t lock = 0;
  uint64_t charged = 0;  // the opening charge paid to the income address (0 before it existed)
  int64_t opened = 0;
  int64_t release_at = 0;  // expires + grace: when an open contract is released
  int64_t settled = 0;     // when it was closed or expired
  uint64_t paid = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;
  std::string chain;        // from the closing receipt, hex
  std::string receipt_sig;  // the viewer's signature on the closing receipt
  // From the closing receipt, under terms with renditions: the segments of each.
  std::vector<uint64_t> counts;

  json ToJson() const;
  static Result<ContractRecord> FromJson(const json& j);
};

struct Supply {
  uint64_t minted = 0;
  uint64_t journal_next = 0;
  json ToJson() const { return {{"minted", minted}, {"journal_next", journal_next}}; }
  static Result<Supply> FromJson(const json& j);
};

struct Totals {
  uint64_t contracts_opened = 0;
  uint64_t contracts_closed = 0;
  uint64_t contracts_expired = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t paid = 0;
  uint64_t charged = 0;  // opening charges
  json ToJson() const;
  static Result<Totals> FromJson(const json& j);
};

// Movement kinds: mint (from ""), transfer, deposit (ordinary -> spend),
// charge (spend -> income, at open), pay (spend -> income, at close),
// payout (income -> ordinary),
// refund (spend -> ordinary).
struct JournalEntry {
  uint64_t seq = 0;
  std::string kind;
  std::string from;
  std::string to;
  uint64_t amount = 0;
  std::string ref;  // request id or contract id
  int64_t ts = 0;
  json ToJson() const;
  static Result<JournalEntry> FromJson(const json& j);
};

}  // namespace tollstream
