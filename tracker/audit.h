// The ledger audit: checks, on one consistent snapshot, that no token was
// created except by mint and none was lost:
//   - the journal of movements is complete (seq 0 .. n-1) and replaying it
//     gives every account's balance; its mints add up to the minted supply;
//   - the balances add up to the minted supply;
//   - each spend address's locked amount is the sum of the locks of its open
//     contracts and at most its balance; open-contract counts agree;
//   - every closed contract paid segments x price (or, with renditions, the
//     sum of each one's count x price), at most its lock;
//   - the release index lists exactly the open contracts;
//   - the totals agree with the contracts.
// Safe to run on the store of a running tracker (it reads a snapshot).
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/store/kv_store.h"
#include "common/wire/json.h"

namespace tollstream {

struct AuditReport {
  bool ok = true;
  uint64_t minted = 0;
  uint64_t balances = 0;  // sum over all accounts
  uint64_t locked = 0;
  uint64_t accounts = 0;
  uint64_t journal_entries = 0;
  uint64_t contracts_open = 0;
  uint64_t contracts_closed = 0;
  uint64_t contracts_expired = 0;
  std::vector<std::string> problems;  // the first ones found

  json ToJson() const;
};

// Errors: kUnavailable when the store cannot be read, or when `stop` is
// set before the audit ends (it then stops within a few thousand records).
Result<AuditReport> AuditLedger(const KvStore& store, const std::atomic<bool>* stop = nullptr);

}  // namespace tollstream
