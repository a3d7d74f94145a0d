// A change to the ledger being built: reads see the transaction's own writes,
// then everything submitted before it. Nothing reaches the pipeline until
// Commit(); a transaction that is dropped changes nothing. Its reads belong
// to the pipeline's epoch at its creation: if a failed write ends that
// epoch, Commit is refused.
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
  explicit LedgerTxn(CommitPipeline& pipeline) : m_pipeline(pipeline), m_epoch(pipeline.epoch()) {}
  uint64_t epoch() const { return m_epoch; }

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

  // Submits the writes as one atomic change; returns its sequence number.
  // `fulfils`: the announcement of this change, if one was made.
  Result<uint64_t> Commit(CommitPipeline::Announcement* fulfils = nullptr);

 private:
  CommitPipeline& m_pipeline;
  const uint64_t m_epoch;
  std::map<std::string, std::optional<std::string>> m_writes;
};

}  // namespace tollstream
