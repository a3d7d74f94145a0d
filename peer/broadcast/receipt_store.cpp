#include "peer/broadcast/receipt_store.h"

namespace tollstream {

Result<std::unique_ptr<ReceiptStore>> ReceiptStore::Open(const std::string& dir) {
  auto store = KvStore::Open(dir);
  if (!store) return store.error();
  return std::unique_ptr<ReceiptStore>(new ReceiptStore(std::move(*store)));
}

Status ReceiptStore::Save(const StoredContract& c) {
  KvBatch batch;
  batch.Put("c/" + c.id, json{{"id", c.id}, {"contract", c.contract}, {"receipt", c.receipt}}.dump());
  return m_store->Write(batch, /*sync=*/true);
}

Status ReceiptStore::Remove(const std::string& id) {
  KvBatch batch;
  batch.Delete("c/" + id);
  return m_store->Write(batch, /*sync=*/true);
}

Result<std::vector<StoredContract>> ReceiptStore::LoadAll() const {
  std::vector<StoredContract> out;
  auto it = m_store->NewIterator();
  for (it->Seek("c/"); it->Valid() && it->key().substr(0, 2) == "c/"; it->Next()) {
    json j = json::parse(it->value(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("id") || !j["id"].is_string()) {
      return MakeError(ErrorCode::kInternal, "stored contract " + std::string(it->key()) + " is damaged");
    }
    out.push_back(StoredContract{j["id"], j["contract"], j["receipt"]});
  }
  if (Status s = it->status(); !s) return s.error();
  return out;
}

}  // namespace tollstream
