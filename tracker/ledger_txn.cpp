#include "tracker/ledger_txn.h"

namespace tollstream {

Result<std::optional<std::string>> LedgerTxn::Get(const std::string& key) const {
  auto it = m_writes.find(key);
  if (it != m_writes.end()) return it->second;
  return ReadStored(key);
}

Result<std::optional<json>> LedgerTxn::GetJson(const std::string& key) const {
  auto raw = Get(key);
  if (!raw) return raw.error();
  if (!raw->has_value()) return std::optional<json>();
  json parsed = json::parse(**raw, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return MakeError(ErrorCode::kInternal, "ledger record " + key + " does not parse");
  }
  return std::optional<json>(std::move(parsed));
}

void LedgerTxn::Put(const std::string& key, std::string value) {
  m_writes[key] = std::move(value);
}

void LedgerTxn::Delete(const std::string& key) {
  m_writes[key] = std::nullopt;
}

Result<uint64_t> PipelineTxn::Commit(CommitPipeline::Announcement* fulfils) {
  std::vector<KvWrite> batch;
  batch.reserve(writes().size());
  for (auto& [key, value] : writes()) batch.push_back(KvWrite{key, std::move(value)});
  writes().clear();
  return m_pipeline.Submit(std::move(batch), fulfils, m_epoch);
}

}  // namespace tollstream
