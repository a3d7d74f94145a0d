#include "tracker/leveldb_ledger_store.h"

#include "tracker/ledger_keys.h"

namespace tollstream {
namespace {

constexpr size_t kMaintenanceBatch = 256;

// `e` as the answer to a change that may have been applied before.
Error OutcomeUnknown(const Error& e) {
  if (e.code != ErrorCode::kUnavailable) return e;
  return MakeError(ErrorCode::kInternal, "whether this request was applied is unknown (" +
                                             e.message + "): send it again later");
}

// The ids of up to `most` open contracts due for release at `now`, soonest first.
Result<std::vector<std::string>> DueContracts(const KvStore& store, int64_t now, size_t most) {
  std::vector<std::string> due;
  auto it = store.NewIterator();
  for (it->Seek(keys::kReleases.first);
       it->Valid() && keys::kReleases.Contains(it->key()) && due.size() < most; it->Next()) {
    auto release = keys::ParseReleaseKey(it->key());
    if (!release) continue;  // no key the ledger writes (the audit reports it)
    if (release->release_at > now) break;
    due.push_back(std::move(release->id));
  }
  if (Status s = it->status(); !s) return s.error();
  return due;
}

// The two keys of a stored answer.
struct AnswerKeys {
  std::string by_time;
  std::string answer;
};

// The keys of up to `most` stored answers to requests stamped before
// `horizon`, oldest first.
Result<std::vector<AnswerKeys>> AnswersBefore(const KvStore& store, int64_t horizon, size_t most) {
  std::vector<AnswerKeys> old;
  auto it = store.NewIterator();
  for (it->Seek(keys::kAnswersByTime.first);
       it->Valid() && keys::kAnswersByTime.Contains(it->key()) && old.size() < most; it->Next()) {
    auto by_time = keys::ParseAnswerByTimeKey(it->key());
    if (!by_time) continue;  // no key the ledger writes
    if (by_time->ts >= horizon) break;
    old.push_back({std::string(it->key()), std::move(by_time->answer)});
  }
  if (Status s = it->status(); !s) return s.error();
  return old;
}

}  // namespace

// An error with 503 `unavailable` means the request was not applied and
// never will be; where that cannot be told (the stored answer cannot be
// read, or the outcome of a failed write is unknown), the error is
// kInternal and says so.
Result<json> LevelDbLedgerStore::Change(const SignedChange& change,
                                        CommitPipeline::Announcement* coming) {
  for (int pass = 0;; ++pass) {
    std::optional<uint64_t> seq;  // the change submitted, if any
    uint64_t epoch = 0;           // when none: the epoch the stored answer was read in
    json answer;
    {
      std::lock_guard lock(m_ledger_mutex);
      PipelineTxn txn(*m_pipeline);
      epoch = txn.epoch();
      auto stored = StoredAnswer(txn, change);
      if (!stored) return OutcomeUnknown(stored.error());
      if (stored->has_value()) {
        answer = std::move(**stored);
      } else {
        auto recorded = RecordAnswer(txn, change);
        if (!recorded) return recorded.error();  // nothing stored
        answer = std::move(*recorded);
        auto committed = txn.Commit(coming);
        if (!committed) return committed.error();
        seq = *committed;
      }
    }
    if (coming != nullptr) coming->Release();  // a retry submits nothing
    if (seq) {
      if (Status s = m_pipeline->WaitDurable(*seq); !s) return s.error();
      return answer;
    }
    // A retry's first answer may still be on its way to disk. If a failed
    // write dropped what it read, it is looked up again, on disk now.
    Status durable = m_pipeline->WaitReadDurable(epoch);
    if (durable) return answer;
    if (pass > 0) return OutcomeUnknown(durable.error());
  }
}

Result<json> LevelDbLedgerStore::Read(const std::function<Result<json>(LedgerTxn&)>& read) {
  // What is read may have been submitted but not yet written: answer only
  // once it is on disk, so no answer ever shows a state a crash could undo
  // (or that a failed write dropped).
  PipelineTxn view(*m_pipeline);
  auto result = read(view);
  if (Status s = m_pipeline->WaitReadDurable(view.epoch()); !s) return s.error();
  return result;
}

Result<size_t> LevelDbLedgerStore::ReleaseDue(Ledger& ledger, int64_t now) {
  size_t released = 0;
  // Contracts due for release, oldest first, in small batches.
  for (;;) {
    auto due = DueContracts(m_store, now, kMaintenanceBatch);
    if (!due) return due.error();
    if (due->empty()) break;
    uint64_t seq = 0;
    size_t released_before = released;
    {
      std::lock_guard lock(m_ledger_mutex);
      PipelineTxn txn(*m_pipeline);
      for (const auto& id : *due) {
        auto expired = ledger.ExpireContract(txn, id, now);
        if (expired) ++released;  // else closed meanwhile, or not yet on disk
      }
      if (txn.empty()) break;
      auto committed = txn.Commit();
      if (!committed) return committed.error();
      seq = *committed;
    }
    if (Status s = m_pipeline->WaitDurable(seq); !s) return s.error();
    if (released == released_before) break;
  }
  return released;
}

Result<size_t> LevelDbLedgerStore::Prune(int64_t horizon) {
  auto old = AnswersBefore(m_store, horizon, 16 * kMaintenanceBatch);
  if (!old) return old.error();
  if (old->empty()) return size_t{0};
  uint64_t seq = 0;
  {
    std::lock_guard lock(m_ledger_mutex);
    PipelineTxn txn(*m_pipeline);
    for (const auto& stale : *old) {
      txn.Delete(stale.by_time);
      txn.Delete(stale.answer);
    }
    auto committed = txn.Commit();
    if (!committed) return committed.error();
    seq = *committed;
  }
  if (Status s = m_pipeline->WaitDurable(seq); !s) return s.error();
  return old->size();
}

Result<LedgerStore::Upkeep> LevelDbLedgerStore::Maintain(Ledger& ledger, int64_t now,
                                                         int64_t horizon) {
  Upkeep done;
  auto released = ReleaseDue(ledger, now);
  if (!released) return released.error();
  done.released = *released;
  if (horizon > 0) {
    auto pruned = Prune(horizon);
    if (!pruned) return pruned.error();
    done.pruned = *pruned;
  }
  return done;
}

}  // namespace tollstream
