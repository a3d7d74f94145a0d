// The rules of the token ledger. Every operation reads and writes through a
// LedgerTxn and either returns its result (the caller commits the
// transaction) or an Error (the caller drops it: nothing changes).
//
// Invariants every operation keeps (tracker audit checks them):
//   - the balances of all accounts add up to the minted supply, <= 2^53-1;
//   - a spend address's locked amount is the sum of the locks of its open
//     contracts, and never exceeds its balance;
//   - every movement of tokens has a journal entry.
//
// Not thread-safe: operations run one at a time, under the ledger lock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/wire/json.h"
#include "tracker/ledger_records.h"
#include "tracker/ledger_txn.h"

namespace tollstream {

struct LedgerConfig {
  int64_t grace_seconds = 300;  // after expiry, before an open contract is released
  int64_t max_contract_seconds = 7 * 24 * 3600;  // the furthest expiry accepted, from now
};

// Why CloseContract refused the receipt it was given (for the metrics).
enum class ReceiptRefusal { kNone, kWrongViewer, kTooManySegments, kWrongCounts, kWrongAmount };

class Ledger {
 public:
  Ledger(PublicKey tracker, LedgerConfig config) : m_tracker(tracker), m_config(config) {}

  const LedgerConfig& config() const { return m_config; }
  const PublicKey& tracker() const { return m_tracker; }

  // `ref` names the cause in the journal (the request id); `now` is unix seconds.
  Result<json> Mint(LedgerTxn& txn, const std::string& to, uint64_t amount, const std::string& ref,
                    int64_t now);
  Result<json> Transfer(LedgerTxn& txn, const PublicKey& from, const std::string& to,
                        uint64_t amount, const std::string& ref, int64_t now);
  Result<json> GetIncomeAddress(LedgerTxn& txn, const PublicKey& owner, int64_t now);
  // The open special address of `kind` of `owner`; nullopt when it has none.
  Result<std::optional<std::string>> OpenSpecialAddress(const LedgerTxn& txn, AccountKind kind,
                                                        const PublicKey& owner) const;
  // `owner`'s open income and spend addresses, null where it has none:
  // {"owner", "income", "spend"}. Opens none.
  Result<json> OpenAddresses(const LedgerTxn& txn, const PublicKey& owner) const;
  Result<json> GetSpendAddress(LedgerTxn& txn, const PublicKey& owner, uint64_t deposit,
                               const std::string& ref, int64_t now);
  // `contract` carries both checked signatures; `caller` signed the request.
  Result<json> OpenContract(LedgerTxn& txn, const PublicKey& caller, const Contract& contract,
                            int64_t now);
  // `receipt`, when given, is checked against its own viewer key already.
  // When the refusal is the receipt's fault, `*refusal` (if given) says why.
  Result<json> CloseContract(LedgerTxn& txn, const PublicKey& caller, const std::string& id,
                             const std::optional<Receipt>& receipt, int64_t now,
                             ReceiptRefusal* refusal = nullptr);
  Result<json> CloseIncomeAddress(LedgerTxn& txn, const PublicKey& owner,
                                  const std::string& address, const std::string& ref, int64_t now);
  Result<json> CloseSpendAddress(LedgerTxn& txn, const PublicKey& owner, const std::string& address,
                                 const std::string& ref, int64_t now);
  // Releases the lock of an open contract whose release time has passed.
  Result<json> ExpireContract(LedgerTxn& txn, const std::string& id, int64_t now);

  Result<json> AccountInfo(const LedgerTxn& txn, const std::string& address) const;
  Result<json> ContractInfo(const LedgerTxn& txn, const std::string& id) const;
  Result<json> Summary(const LedgerTxn& txn) const;

 private:
  Result<json> GetSpecialAddress(LedgerTxn& txn, AccountKind kind, const PublicKey& owner,
                                 int64_t now, bool* created);
  Result<json> CloseSpecial(LedgerTxn& txn, AccountKind kind, const PublicKey& owner,
                            const std::string& address, const std::string& ref, int64_t now);

  PublicKey m_tracker;
  LedgerConfig m_config;
};

}  // namespace tollstream
