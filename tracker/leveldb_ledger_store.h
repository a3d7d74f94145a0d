// The ledger on LevelDB (ledger_store.h), for one tracker process: changes
// are applied one at a time under a lock and written by the group-commit
// pipeline (common/store/commit_pipeline.h), each answered once its group
// is synced.
#pragma once

#include <memory>
#include <mutex>

#include "common/store/commit_pipeline.h"
#include "common/store/kv_store.h"
#include "tracker/ledger_store.h"

namespace tollstream {

class LevelDbLedgerStore final : public LedgerStore {
 public:
  // `gather`: how long a group commit may wait for changes on their way.
  LevelDbLedgerStore(KvStore& store, std::chrono::microseconds gather)
      : m_store(store), m_pipeline(std::make_unique<CommitPipeline>(store, gather)) {}

  Result<json> Change(const SignedChange& change, CommitPipeline::Announcement* coming) override;
  Result<json> Read(const std::function<Result<json>(LedgerTxn&)>& read) override;
  Result<Upkeep> Maintain(Ledger& ledger, int64_t now, int64_t horizon) override;

  CommitPipeline::Health health() override { return m_pipeline->health(); }
  Result<LedgerFigures> Figures() override { return ReadFigures(m_store); }
  Result<LedgerPage> AccountsPage(const std::string& after, size_t limit) override {
    return tollstream::AccountsPage(m_store, after, limit);
  }
  Result<LedgerPage> ContractsPage(ContractFilter filter, const std::string& after,
                                   size_t limit) override {
    return tollstream::ContractsPage(m_store, filter, after, limit);
  }
  Result<LedgerPage> OpenContractsOf(const std::string& address, const std::string& after,
                                     size_t limit) override {
    return tollstream::OpenContractsOf(m_store, address, after, limit);
  }
  Result<OpenCount> CountOpenOnStream(const std::string& address, const std::string& stream,
                                      uint64_t most) override {
    return tollstream::CountOpenOnStream(m_store, address, stream, most);
  }
  Result<json> ContractView(const std::string& id) override {
    return tollstream::ContractView(m_store, id);
  }
  Result<AuditReport> Audit(const std::atomic<bool>* stop) override {
    return AuditLedger(m_store, stop);
  }

  KvStore& store() { return m_store; }
  CommitPipeline& pipeline() { return *m_pipeline; }

 private:
  Result<size_t> ReleaseDue(Ledger& ledger, int64_t now);
  Result<size_t> Prune(int64_t horizon);

  KvStore& m_store;
  std::unique_ptr<CommitPipeline> m_pipeline;
  std::mutex m_ledger_mutex;
};

}  // namespace tollstream
