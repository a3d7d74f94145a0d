// The ledger in PostgreSQL (ledger_store.h), for any number of tracker
// processes sharing one database and one tracker key: each change is one
// transaction that locks the rows it reads (pg_ledger_txn.h), committed
// before its answer is signed, and run again from its start when the
// database reports a deadlock, a serialization failure or a row inserted
// meanwhile (up to kMaxAttempts times, after a short random pause). A retry of
// a request at another instance finds the first answer in the database.
//
// Errors beyond LedgerStore's: a change still in conflict after
// kMaxAttempts runs is kBusy (not applied: send it again); while the
// database cannot be reached, everything is kUnavailable: this attempt
// applied nothing (a body sent before may have been applied then: the same
// body sent again gets its answer); the first request after it is back is
// served (broken connections are replaced).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>

#include "tracker/ledger_store.h"
#include "tracker/pg/pg_ledger_txn.h"
#include "tracker/pg/pg_pool.h"

namespace tollstream {

class PgLedgerStore final : public LedgerStore {
 public:
  static constexpr int kMaxAttempts = 16;
  // The connections a tracker opens by default.
  static constexpr size_t kConnections = 16;
  // How far apart the instances' clocks may be (see Maintain).
  static constexpr int64_t kClockSpreadSeconds = 600;

  // `connections`: how many it opens at most.
  PgLedgerStore(std::string url, size_t connections) : m_pool(std::move(url), connections) {}

  Result<json> Change(const SignedChange& change, CommitPipeline::Announcement* coming) override;
  Result<json> Read(const std::function<Result<json>(LedgerTxn&)>& read) override;
  Result<Upkeep> Maintain(Ledger& ledger, int64_t now, int64_t horizon) override;
  uint64_t retries() const override { return m_retries.load(); }
  // Not ok from a transaction that lost its connection (the database out
  // of reach) until one succeeds or, probed at most once a second, the
  // database answers again.
  CommitPipeline::Health health() override;

  Result<LedgerFigures> Figures() override;
  Result<LedgerPage> AccountsPage(const std::string& after, size_t limit) override;
  Result<LedgerPage> ContractsPage(ContractFilter filter, const std::string& after,
                                   size_t limit) override;
  Result<LedgerPage> OpenContractsOf(const std::string& address, const std::string& after,
                                     size_t limit) override;
  Result<OpenCount> CountOpenOnStream(const std::string& address, const std::string& stream,
                                      uint64_t most) override;
  Result<json> ContractView(const std::string& id) override;
  // The SQL audit (pg_audit.h); `stop` is not looked at: it is a few queries.
  Result<AuditReport> Audit(const std::atomic<bool>* stop) override;

  PgPool& pool() { return m_pool; }

 private:
  // What a transaction's work returns; it sets `*commit` when its writes
  // are to be committed.
  using Work = std::function<Result<json>(PgLedgerTxn& txn, bool* commit)>;
  // Runs `work` in a transaction of `mode` until it is done without a
  // conflict, or kMaxAttempts times.
  Result<json> Run(PgLedgerTxn::Mode mode, const Work& work);
  Result<size_t> ReleaseDue(Ledger& ledger, int64_t now);
  // `view(db)` on a leased connection.
  template <typename View>
  auto OnConnection(View view) -> decltype(view(std::declval<PgConnection&>()));

  // Records how a change ended, for health().
  void Note(const Status& s);

  PgPool m_pool;
  std::atomic<uint64_t> m_retries{0};
  mutable std::mutex m_health_mutex;
  CommitPipeline::Health m_health;
  std::chrono::steady_clock::time_point m_probed;  // the last probe
};

}  // namespace tollstream
