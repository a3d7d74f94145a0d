#include "peer/broadcast/receipt_store.h"

namespace tollstream {

Result<std::unique_ptr<ReceiptStore>> ReceiptStore::Open(const std::string& dir) {
  auto store = KvStore::Open(dir);
  if (!store) return store.error();
  return std::unique_ptr<ReceiptStore>(new ReceiptStore(std::move(*store)));
}

Result<uint64_t> ReceiptStore::Queue(const StoredContract& c) {
  return m_pipeline->Submit(
      {{"c/" + c.id, json{{"id", c.id}, {"contract", c.contract}, {"receipt", c.receipt}}.dump()}});
}

Status ReceiptStore::WaitSaved(uint64_t ticket) {
  return m_pipeline->WaitDurable(ticket);
}

Status ReceiptStore::Save(const StoredContract& c) {
  auto ticket = Queue(c);
  if (!ticket) return ticket.error();
  return WaitSaved(*ticket);
}

Status ReceiptStore::Remove(const std::string& id) {
  auto ticket = m_pipeline->Submit({{"c/" + id, std::nullopt}});
  if (!ticket) return ticket.error();
  return WaitSaved(*ticket);
}

Result<std::vector<StoredContract>> ReceiptStore::LoadAll() const {
  // Everything queued is on disk first, so the store holds every record.
  if (Status s = m_pipeline->WaitDurable(m_pipeline->last_submitted()); !s) return s.error();
  std::vector<StoredContract> out;
  auto it = m_store->NewIterator();
  for (it->Seek("c/"); it->Valid() && it->key().substr(0, 2) == "c/"; it->Next()) {
    json j = json::parse(it->value(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("id") || !j["id"].is_string()) {
      return MakeError(ErrorCode::kInternal,
                       "stored contract " + std::string(it->key()) + " is damaged");
    }
    out.push_back(StoredContract{j["id"], j["contract"], j["receipt"]});
  }
  if (Status s = it->status(); !s) return s.error();
  return out;
}

}  // namespace tollstream
