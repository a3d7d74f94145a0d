#include "tracker/audit.h"

#include <map>

#include "common/base/amount.h"
#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"

namespace tollstream {
namespace {

constexpr size_t kMaxProblems = 50;
constexpr size_t kStopCheckEvery = 4096;  // records between looks at the stop flag

class Auditor {
 public:
  Auditor(const KvStore& store, const std::atomic<bool>* stop)
      : m_store(store), m_snapshot(store.Snapshot()), m_stop(stop) {}

  Result<AuditReport> Run() {
    if (Status s = ReadSupply(); !s) return s.error();
    if (Status s = ReplayJournal(); !s) return s.error();
    if (Status s = CheckContracts(); !s) return s.error();
    if (Status s = CheckReleaseIndex(); !s) return s.error();
    if (Status s = CheckOpenByAddressIndex(); !s) return s.error();
    if (Status s = CheckAccounts(); !s) return s.error();
    if (Status s = CheckTotals(); !s) return s.error();
    m_report.ok = m_report.problems.empty();
    return m_report;
  }

 private:
  void Problem(std::string what) {
    if (m_report.problems.size() < kMaxProblems) m_report.problems.push_back(std::move(what));
    m_report.ok = false;
  }

  // Calls `visit(parsed key, parsed value)` for each record in `range`,
  // its key parsed by `parse`.
  template <typename Parse, typename Visit>
  Status Scan(const keys::KeyRange& range, Parse parse, Visit visit) {
    auto it = m_store.NewIterator(*m_snapshot);
    size_t seen = 0;
    for (it->Seek(range.first); it->Valid() && range.Contains(it->key()); it->Next()) {
      if (++seen % kStopCheckEvery == 0 && m_stop != nullptr && m_stop->load()) {
        return MakeError(ErrorCode::kUnavailable, "the audit was stopped");
      }
      auto key = parse(it->key());
      if (!key) {
        Problem("key " + std::string(it->key()) + " is malformed");
        continue;
      }
      json value = json::parse(it->value(), nullptr, /*allow_exceptions=*/false);
      if (value.is_discarded() && !it->value().empty()) {
        Problem("record " + std::string(it->key()) + " does not parse");
        continue;
      }
      visit(*key, value);
    }
    return it->status();
  }

  Status ReadSupply() {
    auto raw = m_store.Get(keys::kSupply, *m_snapshot);
    if (!raw) return raw.error();
    if (!raw->has_value()) return Status::Ok();
    auto supply = Supply::FromJson(json::parse(**raw, nullptr, false));
    if (!supply) {
      Problem(supply.error().message);
      return Status::Ok();
    }
    m_supply = *supply;
    m_report.minted = m_supply.minted;
    return Status::Ok();
  }

  Status ReplayJournal() {
    uint64_t expected_seq = 0;
    uint64_t minted = 0;
    Status s = Scan(keys::kJournal, keys::ParseJournalKey, [&](uint64_t seq, const json& value) {
      auto e = JournalEntry::FromJson(value);
      if (!e) return Problem(e.error().message);
      if (e->seq != expected_seq) {
        Problem("journal entry " + keys::Journal(seq) + " has seq " + std::to_string(e->seq) +
                ", expected " + std::to_string(expected_seq));
      }
      expected_seq = e->seq + 1;
      if (e->kind == "mint") {
        if (!e->from.empty()) Problem("mint entry " + std::to_string(e->seq) + " has a source");
        minted = CheckedAdd(minted, e->amount).value_or(kMaxAmount + 1);
      } else {
        auto& from = m_replayed[e->from];
        if (from < e->amount) {
          Problem("journal entry " + std::to_string(e->seq) + " overdraws " + e->from);
        }
        from -= std::min(from, e->amount);
      }
      auto& to = m_replayed[e->to];
      to = CheckedAdd(to, e->amount).value_or(kMaxAmount + 1);
    });
    if (!s) return s;
    m_report.journal_entries = expected_seq;
    if (expected_seq != m_supply.journal_next) {
      Problem("the journal has " + std::to_string(expected_seq) +
              " entries, the supply record says " + std::to_string(m_supply.journal_next));
    }
    if (minted != m_supply.minted) {
      Problem("journal mints add up to " + std::to_string(minted) + ", the supply record says " +
              std::to_string(m_supply.minted));
    }
    return Status::Ok();
  }

  Status CheckContracts() {
    return Scan(keys::kContracts, keys::ParseContractKey, [&](const auto& id, const json& value) {
      auto c = ContractRecord::FromJson(value);
      if (!c) return Problem(c.error().message);
      std::string where = "contract " + id;
      if (c->id != id) Problem(where + " is stored under another id");
      if (c->lock != c->terms.Lock()) Problem(where + " locks other than price x max_segments");
      switch (c->state) {
        case ContractState::kOpen:
          ++m_report.contracts_open;
          m_open_locks[c->terms.spend_address] += c->lock;
          ++m_open_counts[c->terms.spend_address];
          ++m_open_counts[c->terms.income_address];
          m_open[c->id] = {c->release_at, c->terms.spend_address, c->terms.income_address};
          if (c->paid != 0) Problem(where + " is open but has paid");
          break;
        case ContractState::kClosed:
          ++m_report.contracts_closed;
          if (c->paid > c->lock) Problem(where + " paid more than its lock");
          if (auto cost = c->terms.Cost(c->segments, c->counts, "contract"); !cost) {
            Problem(where + ": " + cost.error().message);
          } else if (c->paid != *cost) {
            Problem(where + (c->terms.renditions.empty()
                                 ? " paid other than segments x price"
                                 : " paid other than its renditions' counts x prices"));
          }
          break;
        case ContractState::kExpired:
          ++m_report.contracts_expired;
          if (c->paid != 0) Problem(where + " expired but has paid");
          break;
      }
      m_paid += c->paid;
      m_charged += c->charged;
      if (c->charged != 0 && c->charged != c->terms.price) {
        Problem(where + " charged other than one segment's price on opening");
      }
    });
  }

  Status CheckReleaseIndex() {
    size_t listed = 0;
    Status s = Scan(keys::kReleases, keys::ParseReleaseKey, [&](const auto& key, const json&) {
      ++listed;
      const std::string& id = key.id;
      auto it = m_open.find(id);
      if (it == m_open.end()) {
        Problem("release index lists " + id + ", which is not an open contract");
      } else if (it->second.release_at != key.release_at) {
        Problem("release index has the wrong time for " + id);
      }
    });
    if (!s) return s;
    if (listed != m_open.size()) {
      Problem("release index lists " + std::to_string(listed) + " contracts, " +
              std::to_string(m_open.size()) + " are open");
    }
    return Status::Ok();
  }

  // Every open contract is listed under its spend and its income address, and nothing else.
  Status CheckOpenByAddressIndex() {
    // A ledger of an earlier version, not yet opened by a tracker that
    // builds the index (tracker/ledger_indexes.h), has none to check.
    auto marker = m_store.Get(keys::kIndexes, *m_snapshot);
    if (!marker) return marker.error();
    json built = marker->has_value() ? json::parse(**marker, nullptr, /*allow_exceptions=*/false)
                                     : json::object();
    if (!built.is_object()) {
      Problem(std::string(keys::kIndexes) + " does not parse");
      return Status::Ok();
    }
    if (!built.value("open_by_address", false)) return Status::Ok();
    size_t listed = 0;
    Status s =
        Scan(keys::kOpenByAddress, keys::ParseOpenByAddressKey, [&](const auto& key, const json&) {
          ++listed;
          auto it = m_open.find(key.id);
          if (it == m_open.end()) {
            Problem("the index by address lists " + key.id + ", which is not an open contract");
          } else if (key.address != it->second.spend && key.address != it->second.income) {
            Problem("the index by address lists " + key.id + " under " + key.address +
                    ", not one of its addresses");
          }
        });
    if (!s) return s;
    if (listed != 2 * m_open.size()) {
      Problem("the index by address has " + std::to_string(listed) + " entries, " +
              std::to_string(2 * m_open.size()) + " expected (two per open contract)");
    }
    return Status::Ok();
  }

  Status CheckAccounts() {
    uint64_t sum = 0;
    Status s = Scan(keys::kAccounts, keys::ParseAccountKey, [&](auto address, const json& value) {
      auto a = Account::FromJson(value);
      if (!a) return Problem(a.error().message);
      ++m_report.accounts;
      std::string where = std::string(KindName(a->kind)) + " address " + a->address;
      if (a->address != address) Problem(where + " is stored under another key");
      sum = CheckedAdd(sum, a->balance).value_or(kMaxAmount + 1);
      auto replayed = m_replayed.find(a->address);
      uint64_t expected = replayed == m_replayed.end() ? 0 : replayed->second;
      if (expected != a->balance) {
        Problem(where + " holds " + std::to_string(a->balance) + ", its journal gives " +
                std::to_string(expected));
      }
      if (replayed != m_replayed.end()) m_replayed.erase(replayed);
      uint64_t open_locks = m_open_locks[a->address];
      uint64_t open_count = m_open_counts[a->address];
      if (a->locked != open_locks) {
        Problem(where + " has locked " + std::to_string(a->locked) + ", its open contracts lock " +
                std::to_string(open_locks));
      }
      if (a->locked > a->balance) Problem(where + " locks more than its balance");
      if (a->open_contracts != open_count) Problem(where + " miscounts its open contracts");
      if (a->kind != AccountKind::kOrdinary && !a->open && (a->balance != 0 || open_count != 0)) {
        Problem(where + " is closed but not empty");
      }
      m_report.locked += a->locked;
    });
    if (!s) return s;
    for (const auto& [address, balance] : m_replayed) {
      if (balance != 0) Problem("the journal credits " + address + ", which has no account record");
    }
    m_report.balances = sum;
    if (sum != m_supply.minted) {
      Problem("balances add up to " + std::to_string(sum) + ", the minted supply is " +
              std::to_string(m_supply.minted));
    }
    return Status::Ok();
  }

  Status CheckTotals() {
    auto raw = m_store.Get(keys::kTotals, *m_snapshot);
    if (!raw) return raw.error();
    Totals totals;
    if (raw->has_value()) {
      auto parsed = Totals::FromJson(json::parse(**raw, nullptr, false));
      if (!parsed) {
        Problem(parsed.error().message);
        return Status::Ok();
      }
      totals = *parsed;
    }
    uint64_t all = m_report.contracts_open + m_report.contracts_closed + m_report.contracts_expired;
    if (totals.contracts_opened != all || totals.contracts_closed != m_report.contracts_closed ||
        totals.contracts_expired != m_report.contracts_expired || totals.paid != m_paid ||
        totals.charged != m_charged) {
      Problem("the totals record disagrees with the contracts");
    }
    return Status::Ok();
  }

  const KvStore& m_store;
  std::shared_ptr<const KvSnapshot> m_snapshot;
  const std::atomic<bool>* m_stop;
  AuditReport m_report;
  Supply m_supply;
  uint64_t m_paid = 0;
  uint64_t m_charged = 0;
  std::map<std::string, uint64_t> m_replayed;     // address -> balance from the journal
  std::map<std::string, uint64_t> m_open_locks;   // spend address -> sum of open locks
  std::map<std::string, uint64_t> m_open_counts;  // special address -> open contracts
  struct OpenContract {
    int64_t release_at = 0;
    std::string spend, income;  // its addresses
  };
  std::map<std::string, OpenContract> m_open;  // by id
};

}  // namespace

json AuditReport::ToJson() const {
  return {{"ok", ok},
          {"minted", minted},
          {"balances", balances},
          {"locked", locked},
          {"accounts", accounts},
          {"journal_entries", journal_entries},
          {"contracts_open", contracts_open},
          {"contracts_closed", contracts_closed},
          {"contracts_expired", contracts_expired},
          {"problems", problems}};
}

Result<AuditReport> AuditLedger(const KvStore& store, const std::atomic<bool>* stop) {
  if (stop != nullptr && stop->load())
    return MakeError(ErrorCode::kUnavailable, "the audit was stopped");
  return Auditor(store, stop).Run();
}

}  // namespace tollstream
