// Where the tracker keeps its ledger, as its service (tracker_service.h)
// uses it: each signed change applied exactly once and answered only once
// it is durable, reads of the newest durable state, and the upkeep of
// contracts and stored answers. Two stores keep it:
//   - LevelDbLedgerStore (leveldb_ledger_store.h): one process, changes
//     applied one at a time under a lock, written by group commit;
//   - PgLedgerStore (pg/pg_ledger_store.h): any number of processes over
//     one PostgreSQL database, each change a transaction that locks the
//     rows it reads, run again from its start when the database reports a
//     conflict.
// The ledger's rules (ledger.h) run unchanged over either, through LedgerTxn.
//
// Thread-safe: Change, Read and Maintain may be called from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/store/commit_pipeline.h"
#include "common/wire/json.h"
#include "tracker/audit.h"
#include "tracker/ledger.h"
#include "tracker/ledger_pages.h"
#include "tracker/ledger_txn.h"

namespace tollstream {

// One signed change, as the store runs it exactly once.
struct SignedChange {
  std::string answer_key;   // keys::Answer(signer, nonce): its stored answer
  std::string by_time_key;  // keys::AnswerByTime(ts, signer, nonce)
  std::string request_id;   // hex: a retry has the same
  std::string nonce;
  // The change in `txn`: its complete unsigned answer body (a refusal is an
  // answer too, its writes discarded), or an Error when nothing may be
  // recorded (the storage failed). May run more than once (PostgreSQL
  // retries); only the run that commits counts.
  std::function<Result<json>(LedgerTxn& txn)> apply;
};

// The answer stored in `txn` for `change`'s signer and nonce; nullopt when
// none is. Errors: kDuplicate (the nonce answered another request),
// kInternal (a damaged stored answer), and those of the read.
Result<std::optional<json>> StoredAnswer(const LedgerTxn& txn, const SignedChange& change);

// Applies `change` in `txn` and records its answer there, for retries.
// Errors: those of change.apply.
Result<json> RecordAnswer(LedgerTxn& txn, const SignedChange& change);

class LedgerStore {
 public:
  virtual ~LedgerStore() = default;

  // Runs `change` once: a retry of one already applied gets its stored
  // answer. `coming`: its announcement to the commit pipeline, if any.
  // Errors: kUnavailable (not applied now: send it again), kInternal
  // (whether it was applied is unknown: send it again later), kDuplicate.
  virtual Result<json> Change(const SignedChange& change, CommitPipeline::Announcement* coming) = 0;

  // Runs `read` on the newest state, answered only once that state is durable.
  virtual Result<json> Read(const std::function<Result<json>(LedgerTxn&)>& read) = 0;

  // What one round of upkeep did.
  struct Upkeep {
    size_t released = 0;  // open contracts whose lock was released
    size_t pruned = 0;    // stored answers forgotten
  };
  // Releases the contracts due at `now` (by `ledger`'s rules) and forgets
  // the answers of requests stamped before `horizon`.
  virtual Result<Upkeep> Maintain(Ledger& ledger, int64_t now, int64_t horizon) = 0;

  // Transactions run again after a conflict, since start (0 on LevelDB).
  virtual uint64_t retries() const { return 0; }
  // Whether the store takes writes now: false from a failed write (or the
  // database out of reach) until one succeeds again.
  virtual CommitPipeline::Health health() = 0;

  // Read-only views of what is committed, with the contracts (arguments,
  // order, cursors, errors) of tracker/ledger_pages.h and tracker/audit.h.
  virtual Result<LedgerFigures> Figures() = 0;
  virtual Result<LedgerPage> AccountsPage(const std::string& after, size_t limit) = 0;
  virtual Result<LedgerPage> ContractsPage(ContractFilter filter, const std::string& after,
                                           size_t limit) = 0;
  virtual Result<LedgerPage> OpenContractsOf(const std::string& address, const std::string& after,
                                             size_t limit) = 0;
  virtual Result<OpenCount> CountOpenOnStream(const std::string& address, const std::string& stream,
                                              uint64_t most) = 0;
  virtual Result<json> ContractView(const std::string& id) = 0;
  virtual Result<AuditReport> Audit(const std::atomic<bool>* stop) = 0;
};

// A transaction for a method that reads no ledger state: any read is an error.
class NoLedgerTxn final : public LedgerTxn {
 private:
  Result<std::optional<std::string>> ReadStored(const std::string& key) const override;
};

}  // namespace tollstream
