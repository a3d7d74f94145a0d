#include "tracker/pg/pg_ledger_store.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "tracker/pg/pg_audit.h"
#include "tracker/pg/pg_views.h"

namespace tollstream {
namespace {

constexpr size_t kReleaseBatch = 256;
constexpr size_t kPruneBatch = 4096;

// A uniform random number in [0, n).
uint64_t RandomBelow(uint64_t n) {
  thread_local std::minstd_rand random(std::random_device{}());
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(random);
}

}  // namespace

Result<json> PgLedgerStore::Run(PgLedgerTxn::Mode mode, const Work& work) {
  for (int attempt = 0;; ++attempt) {
    auto lease = m_pool.Acquire();
    if (!lease) return lease.error();
    auto txn = PgLedgerTxn::Begin(**lease, mode);
    Status done = txn ? Status::Ok() : Status(txn.error());
    Result<json> result = json();
    if (done) {
      bool commit = false;
      result = work(**txn, &commit);
      if (const auto& failure = (*txn)->failure()) {
        done = *failure;  // whatever the work made of it
      } else if (result && commit) {
        done = (*txn)->Commit();
      }
    }
    bool lost = !(*lease)->connected();
    if (done || lost) Note(done);
    if (done) return result;
    ErrorCode code = done.error().code;
    if (code == ErrorCode::kUnavailable && lost && attempt == 0) {
      // Nothing was applied. Connections kept from before the database
      // restarted fail first: drop them all and try once more.
      m_pool.Clear();
      continue;
    }
    if (code != ErrorCode::kBusy) return done.error();
    if (attempt + 1 >= kMaxAttempts) {
      return MakeError(ErrorCode::kBusy, "the change met conflicting ones " +
                                             std::to_string(kMaxAttempts) +
                                             " times and was not applied: send it again");
    }
    m_retries.fetch_add(1);
    // Conflicting changes run again at once would likely meet again.
    std::this_thread::sleep_for(
        std::chrono::microseconds(RandomBelow(1000 << std::min(attempt, 4))));
  }
}

// The stored answer is looked up on its own, before the change's
// transaction, which then inserts the answer only if no other instance did
// meanwhile (the answers' primary key says): so changes do not conflict
// through the answers table, and none is applied twice.
Result<json> PgLedgerStore::Change(const SignedChange& change,
                                   CommitPipeline::Announcement* coming) {
  if (coming != nullptr) coming->Release();  // no pipeline here
  for (int round = 0;; ++round) {
    auto stored = Run(PgLedgerTxn::Mode::kStatement, [&](PgLedgerTxn& txn, bool*) {
      auto found = StoredAnswer(txn, change);
      if (!found) return Result<json>(found.error());
      return Result<json>(found->value_or(json()));  // null: none
    });
    if (!stored) return stored.error();
    if (!stored->is_null()) return stored;
    auto applied = Run(PgLedgerTxn::Mode::kChange, [&](PgLedgerTxn& txn, bool* commit) {
      *commit = true;
      return RecordAnswer(txn, change);
    });
    // kDuplicate: answered meanwhile, at another instance; look it up.
    if (applied || applied.error().code != ErrorCode::kDuplicate || round > 0) return applied;
  }
}

Result<json> PgLedgerStore::Read(const std::function<Result<json>(LedgerTxn&)>& read) {
  // Everything read is committed, so durable: the answer may go at once.
  return Run(PgLedgerTxn::Mode::kRead,
             [&](PgLedgerTxn& view, bool*) -> Result<json> { return read(view); });
}

Result<size_t> PgLedgerStore::ReleaseDue(Ledger& ledger, int64_t now) {
  size_t released = 0;
  for (;;) {
    std::vector<std::string> due;
    {
      auto lease = m_pool.Acquire();
      if (!lease) return lease.error();
      auto rows = (*lease)->Exec(
          "SELECT id FROM contracts WHERE state = 'open' AND release_at <= $1 "
          "ORDER BY release_at, id LIMIT $2",
          {std::to_string(now), std::to_string(kReleaseBatch)});
      if (!rows) return rows.error();
      for (auto& row : rows->rows) due.push_back(row.at(0).value_or(""));
    }
    if (due.empty()) return released;
    auto count = Run(PgLedgerTxn::Mode::kChange, [&](PgLedgerTxn& txn, bool* commit) {
      uint64_t expired = 0;
      for (const auto& id : due) {
        if (ledger.ExpireContract(txn, id, now)) ++expired;  // else closed meanwhile
      }
      *commit = expired > 0;
      return Result<json>(json(expired));
    });
    if (!count) return count.error();
    if (count->get<uint64_t>() == 0) return released;
    released += count->get<uint64_t>();
  }
}

Result<LedgerStore::Upkeep> PgLedgerStore::Maintain(Ledger& ledger, int64_t now, int64_t horizon) {
  Upkeep done;
  auto released = ReleaseDue(ledger, now);
  if (!released) return released.error();
  done.released = *released;
  if (horizon <= 0) return done;
  auto lease = m_pool.Acquire();
  if (!lease) return lease.error();
  // Each instance may prune: the answers are of requests too old to retry.
  // Instances judge a request's freshness by their own clocks: an answer is
  // kept kClockSpread longer, so an instance whose clock is behind never
  // takes a retry whose answer another instance forgot.
  auto pruned = (*lease)->Exec(
      "DELETE FROM answers WHERE (signer, nonce) IN (SELECT signer, nonce FROM answers "
      "WHERE request_ts < $1 ORDER BY request_ts LIMIT $2)",
      {std::to_string(horizon - kClockSpreadSeconds), std::to_string(kPruneBatch)});
  if (!pruned) return pruned.error();
  done.pruned = pruned->affected;
  return done;
}

void PgLedgerStore::Note(const Status& s) {
  std::lock_guard lock(m_health_mutex);
  if (s) {
    m_health.ok = true;
  } else if (m_health.ok) {  // a failure counts once, until the database is back
    m_health.ok = false;
    m_health.error = s.error().message;
    ++m_health.failures;
  }
}

CommitPipeline::Health PgLedgerStore::health() {
  {
    std::lock_guard lock(m_health_mutex);
    auto now = std::chrono::steady_clock::now();
    if (m_health.ok || now - m_probed < std::chrono::seconds(1)) return m_health;
    m_probed = now;
  }
  // Out of reach at the last change: is it back?
  auto lease = m_pool.Acquire();
  Status probe = lease ? Status::Ok() : Status(lease.error());
  if (probe) {
    auto one = (*lease)->Exec("SELECT 1");
    if (!one) probe = one.error();
  }
  Note(probe);
  std::lock_guard lock(m_health_mutex);
  return m_health;
}

template <typename View>
auto PgLedgerStore::OnConnection(View view) -> decltype(view(std::declval<PgConnection&>())) {
  auto lease = m_pool.Acquire();
  if (!lease) return lease.error();
  return view(**lease);
}

Result<LedgerFigures> PgLedgerStore::Figures() {
  return OnConnection([](PgConnection& db) { return PgFigures(db); });
}

Result<LedgerPage> PgLedgerStore::AccountsPage(const std::string& after, size_t limit) {
  return OnConnection([&](PgConnection& db) { return PgAccountsPage(db, after, limit); });
}

Result<LedgerPage> PgLedgerStore::ContractsPage(ContractFilter filter, const std::string& after,
                                                size_t limit) {
  return OnConnection([&](PgConnection& db) { return PgContractsPage(db, filter, after, limit); });
}

Result<LedgerPage> PgLedgerStore::OpenContractsOf(const std::string& address,
                                                  const std::string& after, size_t limit) {
  return OnConnection(
      [&](PgConnection& db) { return PgOpenContractsOf(db, address, after, limit); });
}

Result<OpenCount> PgLedgerStore::CountOpenOnStream(const std::string& address,
                                                   const std::string& stream, uint64_t most) {
  return OnConnection(
      [&](PgConnection& db) { return PgCountOpenOnStream(db, address, stream, most); });
}

Result<json> PgLedgerStore::ContractView(const std::string& id) {
  return OnConnection([&](PgConnection& db) { return PgContractView(db, id); });
}

Result<AuditReport> PgLedgerStore::Audit(const std::atomic<bool>*) {
  return OnConnection([](PgConnection& db) { return AuditPgLedger(db); });
}

}  // namespace tollstream
