// A broadcaster's durable record of its open contracts and the last valid
// receipt of each, so that after a crash it still closes every contract with
// the receipt it holds. Every write is synced before it returns.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/kv_store.h"
#include "common/result.h"

namespace tollstream {

struct StoredContract {
  std::string id;         // hex
  json contract;          // the contract, both signatures
  json receipt;           // the last valid receipt, or null before the first
};

class ReceiptStore {
 public:
  static Result<std::unique_ptr<ReceiptStore>> Open(const std::string& dir);

  Status Save(const StoredContract& c);
  Status Remove(const std::string& id);
  Result<std::vector<StoredContract>> LoadAll() const;

 private:
  explicit ReceiptStore(std::unique_ptr<KvStore> store) : m_store(std::move(store)) {}
  std::unique_ptr<KvStore> m_store;
};

}  // namespace tollstream
