// A change to the ledger being built, or a view of it: reads see the
// transaction's own writes first, then the state its backend holds. Writes
// are kept until the backend's Commit; a transaction that is dropped
// changes nothing. The ledger's rules (ledger.h) see only this class, so
// they run unchanged over either backend:
//   - PipelineTxn (below): LevelDB through the group-commit pipeline;
//   - PgLedgerTxn (tracker/pg/pg_ledger_txn.h): one PostgreSQL transaction.
//
// Not thread-safe; used under the ledger lock.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/store/commit_pipeline.h"
#include "common/wire/json.h"

namespace tollstream {

class LedgerTxn {
 public:
  virtual ~LedgerTxn() = default;

  Result<std::optional<std::string>> Get(const std::string& key) const;
  // The record at `key` parsed as JSON; nullopt when absent.
  // Errors: kUnavailable (storage), kInternal (a record that does not parse).
  Result<std::optional<json>> GetJson(const std::string& key) const;

  void Put(const std::string& key, std::string value);
  void PutJson(const std::string& key, const json& value) { Put(key, value.dump()); }
  void Delete(const std::string& key);

  bool empty() const { return m_writes.empty(); }
  // Forgets every write made so far.
  void Discard() { m_writes.clear(); }

 protected:
  // The value the backend holds at `key` (nullopt: none).
  virtual Result<std::optional<std::string>> ReadStored(const std::string& key) const = 0;
  // The writes so far, by key (nullopt: deleted); the backend's to commit.
  std::map<std::string, std::optional<std::string>>& writes() { return m_writes; }

 private:
  std::map<std::string, std::optional<std::string>> m_writes;
};

// A change over LevelDB: its reads belong to the pipeline's epoch at its
// creation; if a failed write ends that epoch, Commit is refused.
class PipelineTxn final : public LedgerTxn {
 public:
  explicit PipelineTxn(CommitPipeline& pipeline)
      : m_pipeline(pipeline), m_epoch(pipeline.epoch()) {}
  uint64_t epoch() const { return m_epoch; }

  // Submits the writes as one atomic change; returns its sequence number.
  // `fulfils`: the announcement of this change, if one was made.
  Result<uint64_t> Commit(CommitPipeline::Announcement* fulfils = nullptr);

 private:
  Result<std::optional<std::string>> ReadStored(const std::string& key) const override {
    return m_pipeline.Read(key);
  }

  CommitPipeline& m_pipeline;
  const uint64_t m_epoch;
};

}  // namespace tollstream
