// Read-only views of the committed ledger, for the operator's dashboard and
// /metrics: the supply and totals, and pages of accounts and contracts.
//
// Each view reads one snapshot of the store, so it shows only what is on disk
// (never a change that a crash could still undo), and costs O(limit) reads
// however large the ledger is: a page seeks to the key after its cursor and
// never scans or counts the rest.
//
// What leaves here is public: no stored answers, no request or contract
// nonces, no signatures.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/store/kv_store.h"
#include "common/wire/json.h"
#include "tracker/ledger_records.h"

namespace tollstream {

inline constexpr size_t kDefaultPageSize = 50;
inline constexpr size_t kMaxPageSize = 500;

// The minted supply and the contract and traffic totals (m/supply, m/totals).
struct LedgerFigures {
  Supply supply;
  Totals totals;

  uint64_t contracts_open() const;
  // SummaryResult's members (see the `summary` method) and contracts_open.
  json ToJson() const;
};
// Errors: kUnavailable (storage), kInternal (a damaged record).
Result<LedgerFigures> ReadFigures(const KvStore& store);

struct LedgerPage {
  json items = json::array();
  // The cursor of the next page (the last item's address or id), or nullopt
  // when this page is the last.
  std::optional<std::string> next;

  json ToJson(const char* items_name) const;
};

// Accounts in address order, from the first address after `after` ("" for the
// first page). Each is the record the `account` method answers.
// Errors: kInvalidField (`after` is not an address, `limit` not in 1..kMaxPageSize),
// kUnavailable, kInternal.
Result<LedgerPage> AccountsPage(const KvStore& store, const std::string& after, size_t limit);

enum class ContractFilter {
  kAll,   // every contract, in id order
  kOpen,  // open contracts, soonest release first (the release index)
};
// Contracts (PublicContract) from the one after contract `after` ("" for the
// first page) in the filter's order.
// Errors: kInvalidField (`after` is not a contract id, or with kOpen names no
// contract; `limit` not in 1..kMaxPageSize), kUnavailable, kInternal.
Result<LedgerPage> ContractsPage(const KvStore& store, ContractFilter filter,
                                 const std::string& after, size_t limit);

// The open contracts (PublicContract) of `address`, a spend or an income
// address, in id order from the one after contract `after` ("" for the
// first page). Errors: kInvalidField (`address` or `after` malformed,
// `limit` not in 1..kMaxPageSize), kUnavailable, kInternal.
Result<LedgerPage> OpenContractsOf(const KvStore& store, const std::string& address,
                                   const std::string& after, size_t limit);

// How many open contracts of `address` (an income address) are on `stream`,
// among the first `most` of its open contracts (a walk of its index
// entries, reading each contract), and how many were walked.
// Errors: kUnavailable, kInternal.
struct OpenCount {
  uint64_t on_stream = 0;
  uint64_t walked = 0;
};
Result<OpenCount> CountOpenOnStream(const KvStore& store, const std::string& address,
                                    const std::string& stream, uint64_t most);

// One contract (PublicContract). Errors: kInvalidField (not an id),
// kNotFound, kUnavailable, kInternal.
Result<json> ContractView(const KvStore& store, const std::string& id);

// The checks of a page's arguments, the same for every store: kInvalidField
// for a malformed `after` (an address, or a contract id) or `limit`, and
// for a malformed address or contract id (`what` names it).
Status CheckAccountsPage(const std::string& after, size_t limit);
Status CheckContractsPage(const std::string& after, size_t limit);
Status CheckHexId(const std::string& value, const char* what);

// A contract's public members: its terms less the nonce, flattened, with its
// state and settlement; no signatures.
json PublicContract(const ContractRecord& c);

}  // namespace tollstream
