// A broadcaster's durable record of its open contracts and the last valid
// receipt of each, so that after a crash it still closes every contract with
// the receipt it holds.
//
// Records are written in the order they are queued, every record queued
// while the disk is busy in one synced write (group commit), so that many
// viewers' receipts cost one sync rather than one each.
//
// Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/store/commit_pipeline.h"
#include "common/store/kv_store.h"
#include "common/wire/json.h"

namespace tollstream {

struct StoredContract {
  std::string id;  // hex
  json contract;   // the contract, both signatures
  json receipt;    // the last valid receipt, or null before the first
};

class ReceiptStore {
 public:
  static Result<std::unique_ptr<ReceiptStore>> Open(const std::string& dir);

  // Queues the record of `c` and returns at once, with a ticket for
  // WaitSaved. Errors: kUnavailable once a write to disk has failed.
  Result<uint64_t> Queue(const StoredContract& c);
  // Returns once the record of `ticket`, and every one queued before it, is
  // on disk. Errors: kUnavailable when the write failed.
  Status WaitSaved(uint64_t ticket);

  // Queue and WaitSaved in one.
  Status Save(const StoredContract& c);
  // Forgets the contract `id`; returns once that is on disk.
  Status Remove(const std::string& id);
  Result<std::vector<StoredContract>> LoadAll() const;

 private:
  explicit ReceiptStore(std::unique_ptr<KvStore> store)
      : m_store(std::move(store)), m_pipeline(std::make_unique<CommitPipeline>(*m_store)) {}
  std::unique_ptr<KvStore> m_store;
  std::unique_ptr<CommitPipeline> m_pipeline;  // destroyed first: writes what is queued
};

}  // namespace tollstream
