#include "tracker/ledger_pages.h"

#include <string_view>

#include "common/base/hex.h"
#include "common/protocol/address.h"
#include "tracker/ledger_keys.h"

namespace tollstream {
namespace {

constexpr size_t kIdHexDigits = 64;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidField, std::move(message));
}

Status CheckLimit(size_t limit) {
  if (limit < 1 || limit > kMaxPageSize) {
    return Invalid("limit must be from 1 to " + std::to_string(kMaxPageSize));
  }
  return Status::Ok();
}

// The record of type T stored as `raw` under `key`.
template <typename T>
Result<T> Parse(std::string_view key, std::string_view raw) {
  json value = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return MakeError(ErrorCode::kInternal, "ledger record " + std::string(key) + " does not parse");
  }
  return T::FromJson(value);
}

// The record of type T at `key` in `snapshot`, or nullopt.
template <typename T>
Result<std::optional<T>> Load(const KvStore& store, const KvSnapshot& snapshot,
                              const std::string& key) {
  auto raw = store.Get(key, snapshot);
  if (!raw) return raw.error();
  if (!raw->has_value()) return std::optional<T>();
  auto parsed = Parse<T>(key, **raw);
  if (!parsed) return parsed.error();
  return std::optional<T>(std::move(*parsed));
}

// The parsed `key` of a record the ledger wrote, or an Error.
template <typename T>
Result<T> KeyParts(std::optional<T> parsed, std::string_view key) {
  if (!parsed)
    return MakeError(ErrorCode::kInternal, "ledger key " + std::string(key) + " is malformed");
  return std::move(*parsed);
}

// Walks the keys of `range` from `from`, skipping `skip` (the cursor's own
// key), and calls `take(key, value)` for up to `limit` of them; `take`
// returns the cursor of the item it took (its address or contract id). When
// another key of `range` follows the last one taken, `page.next` is the last
// one's cursor.
template <typename Take>
Status Walk(KvIterator& it, const keys::KeyRange& range, const std::string& from,
            const std::string& skip, size_t limit, LedgerPage& page, Take take) {
  it.Seek(from);
  if (it.Valid() && !skip.empty() && it.key() == skip) it.Next();
  size_t taken = 0;
  std::string last;
  for (; it.Valid() && range.Contains(it.key()); it.Next()) {
    if (taken == limit) {
      page.next = std::move(last);
      break;
    }
    Result<std::string> cursor = take(it.key(), it.value());
    if (!cursor) return cursor.error();
    last = std::move(*cursor);
    ++taken;
  }
  return it.status();
}

// Adds contract `id`, which the index `index` names, to `page`; returns its
// id as the cursor. A contract the index names must exist.
Result<std::string> AddIndexed(const KvStore& store, const KvSnapshot& snapshot,
                               const std::string& id, const char* index, LedgerPage& page) {
  auto c = Load<ContractRecord>(store, snapshot, keys::Contract(id));
  if (!c) return c.error();
  if (!c->has_value()) {
    return MakeError(ErrorCode::kInternal, std::string(index) + " names a missing contract " + id);
  }
  page.items.push_back(PublicContract(**c));
  return id;
}

}  // namespace

uint64_t LedgerFigures::contracts_open() const {
  uint64_t settled = totals.contracts_closed + totals.contracts_expired;
  return totals.contracts_opened > settled ? totals.contracts_opened - settled : 0;
}

json LedgerFigures::ToJson() const {
  json out = totals.ToJson();
  out["minted"] = supply.minted;
  out["journal_entries"] = supply.journal_next;
  out["contracts_open"] = contracts_open();
  return out;
}

Result<LedgerFigures> ReadFigures(const KvStore& store) {
  auto snapshot = store.Snapshot();
  auto supply = Load<Supply>(store, *snapshot, keys::kSupply);
  if (!supply) return supply.error();
  auto totals = Load<Totals>(store, *snapshot, keys::kTotals);
  if (!totals) return totals.error();
  return LedgerFigures{supply->value_or(Supply{}), totals->value_or(Totals{})};
}

json LedgerPage::ToJson(const char* items_name) const {
  return {{items_name, items}, {"next", next ? json(*next) : json(nullptr)}};
}

Status CheckAccountsPage(const std::string& after, size_t limit) {
  if (!after.empty() && !IsAddress(after))
    return Invalid("after must be an address (64 lowercase hex digits)");
  return CheckLimit(limit);
}

Status CheckContractsPage(const std::string& after, size_t limit) {
  if (!after.empty() && !IsLowerHex(after, kIdHexDigits)) {
    return Invalid("after must be a contract id (64 lowercase hex digits)");
  }
  return CheckLimit(limit);
}

Status CheckHexId(const std::string& value, const char* what) {
  if (!IsLowerHex(value, kIdHexDigits)) {
    return Invalid(std::string(what) + " must be " +
                   (std::string(what) == "address" ? "an address" : "a contract id") +
                   " (64 lowercase hex digits)");
  }
  return Status::Ok();
}

Result<LedgerPage> AccountsPage(const KvStore& store, const std::string& after, size_t limit) {
  if (Status s = CheckAccountsPage(after, limit); !s) return s.error();
  LedgerPage page;
  auto snapshot = store.Snapshot();
  auto it = store.NewIterator(*snapshot);
  std::string from = keys::Account(after);
  Status s = Walk(*it, keys::kAccounts, from, after.empty() ? "" : from, limit, page,
                  [&](std::string_view key, std::string_view value) -> Result<std::string> {
                    auto address = KeyParts(keys::ParseAccountKey(key), key);
                    if (!address) return address.error();
                    auto account = Parse<Account>(key, value);
                    if (!account) return account.error();
                    page.items.push_back(account->ToJson());
                    return address;
                  });
  if (!s) return s.error();
  return page;
}

Result<LedgerPage> ContractsPage(const KvStore& store, ContractFilter filter,
                                 const std::string& after, size_t limit) {
  if (Status s = CheckContractsPage(after, limit); !s) return s.error();
  LedgerPage page;
  auto snapshot = store.Snapshot();
  auto it = store.NewIterator(*snapshot);
  if (filter == ContractFilter::kAll) {
    std::string from = keys::Contract(after);
    Status s = Walk(*it, keys::kContracts, from, after.empty() ? "" : from, limit, page,
                    [&](std::string_view key, std::string_view value) -> Result<std::string> {
                      auto id = KeyParts(keys::ParseContractKey(key), key);
                      if (!id) return id.error();
                      auto c = Parse<ContractRecord>(key, value);
                      if (!c) return c.error();
                      page.items.push_back(PublicContract(*c));
                      return id;
                    });
    if (!s) return s.error();
    return page;
  }
  // Open contracts are the release index, x/<release time>/<id>: the cursor's
  // place in it comes from its record (kept, with its release time, after
  // it closes).
  std::string from(keys::kReleases.first);
  std::string skip;
  if (!after.empty()) {
    auto cursor = Load<ContractRecord>(store, *snapshot, keys::Contract(after));
    if (!cursor) return cursor.error();
    if (!cursor->has_value()) return Invalid("after names no contract");
    from = skip = keys::Release((*cursor)->release_at, after);
  }
  Status s = Walk(*it, keys::kReleases, from, skip, limit, page,
                  [&](std::string_view key, std::string_view) -> Result<std::string> {
                    auto release = KeyParts(keys::ParseReleaseKey(key), key);
                    if (!release) return release.error();
                    return AddIndexed(store, *snapshot, release->id, "the release index", page);
                  });
  if (!s) return s.error();
  return page;
}

Result<LedgerPage> OpenContractsOf(const KvStore& store, const std::string& address,
                                   const std::string& after, size_t limit) {
  if (Status s = CheckHexId(address, "address"); !s) return s.error();
  if (Status s = CheckContractsPage(after, limit); !s) return s.error();
  LedgerPage page;
  auto snapshot = store.Snapshot();
  auto it = store.NewIterator(*snapshot);
  std::string first = keys::OpenByAddressFirst(address);
  std::string last = keys::OpenByAddressLimit(address);
  std::string from = after.empty() ? first : keys::OpenByAddress(address, after);
  Status s = Walk(*it, keys::KeyRange{first, last}, from, after.empty() ? "" : from, limit, page,
                  [&](std::string_view key, std::string_view) -> Result<std::string> {
                    auto entry = KeyParts(keys::ParseOpenByAddressKey(key), key);
                    if (!entry) return entry.error();
                    return AddIndexed(store, *snapshot, entry->id, "the index by address", page);
                  });
  if (!s) return s.error();
  return page;
}

Result<OpenCount> CountOpenOnStream(const KvStore& store, const std::string& address,
                                    const std::string& stream, uint64_t most) {
  auto snapshot = store.Snapshot();
  auto it = store.NewIterator(*snapshot);
  std::string first = keys::OpenByAddressFirst(address);
  std::string last = keys::OpenByAddressLimit(address);
  keys::KeyRange range{first, last};
  OpenCount count;
  for (it->Seek(first); it->Valid() && range.Contains(it->key()) && count.walked < most;
       it->Next()) {
    ++count.walked;
    auto entry = KeyParts(keys::ParseOpenByAddressKey(it->key()), it->key());
    if (!entry) return entry.error();
    auto c = Load<ContractRecord>(store, *snapshot, keys::Contract(entry->id));
    if (!c) return c.error();
    if (c->has_value() && (*c)->terms.stream == stream) ++count.on_stream;
  }
  return count;
}

Result<json> ContractView(const KvStore& store, const std::string& id) {
  if (Status s = CheckHexId(id, "id"); !s) return s.error();
  auto snapshot = store.Snapshot();
  auto c = Load<ContractRecord>(store, *snapshot, keys::Contract(id));
  if (!c) return c.error();
  if (!c->has_value()) return MakeError(ErrorCode::kNotFound, "no contract " + id);
  return PublicContract(**c);
}

json PublicContract(const ContractRecord& c) {
  const ContractTerms& t = c.terms;
  return {{"id", c.id},
          {"state", StateName(c.state)},
          {"viewer", t.viewer.ToHex()},
          {"broadcaster", t.broadcaster.ToHex()},
          {"spend_address", t.spend_address},
          {"income_address", t.income_address},
          {"stream", t.stream},
          {"price", t.price},
          {"max_segments", t.max_segments},
          {"lock", c.lock},
          {"charged", c.charged},
          {"expires", t.expires},
          {"opened", c.opened},
          {"release_at", c.release_at},
          {"settled", c.settled},
          {"paid", c.paid},
          {"segments", c.segments},
          {"bytes", c.bytes}};
}

}  // namespace tollstream
