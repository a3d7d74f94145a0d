// A ledger transaction on PostgreSQL (the LedgerTxn of tracker/ledger_txn.h
// whose backend is the schema of pg_schema.h): reads go to the database as
// the rules ask, writes are kept and sent at Commit, all in one database
// transaction.
//
// A change is serializable by strict two-phase locking: it runs at READ
// COMMITTED and locks every row it reads (SELECT ... FOR UPDATE) until it
// ends, so changes that touch the same rows run one after the other, and
// the rules read nothing else but single rows by key. A row read absent is
// inserted without ON CONFLICT: if another change inserted it meanwhile,
// the insert fails and this change is kBusy (run it again from its start,
// in a new transaction), as it is on a deadlock (40P01) or, on engines that
// run everything SERIALIZABLE, a serialization failure (40001). PostgreSQL's
// own SERIALIZABLE was measured and not chosen: its predicate locks are
// promoted to whole pages (more than two rows of a page read), so changes
// to different accounts of a small ledger failed each other again and
// again.
//
// So that concurrent changes do not all wait on the rows every change
// touches:
//   - the journal's numbers come from a sequence (the `j/<seq>` key and
//     the supply's `journal_next` a change sees are not used);
//   - in a change, the totals read as zero and what is written to them is
//     added to one shard of the totals table (the shard of the first
//     contract the change writes); a read sums the shards;
//   - the supply is read unlocked and written only when the minted amount
//     changes (mint), as an addition checked against 2^53-1.
// A read (Mode::kRead) is one REPEATABLE READ READ ONLY snapshot; with
// Mode::kStatement no transaction is opened, for a single read (the lookup
// of a stored answer, outside any change).
//
// The first statement that fails poisons the transaction: later reads
// fail too, and failure() and Commit say why, so a caller never takes a
// refusal made from a failed read for the ledger's answer.
//
// Not thread-safe: one transaction per connection at a time.
#pragma once

#include <memory>
#include <set>

#include "tracker/ledger_txn.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

class PgLedgerTxn final : public LedgerTxn {
 public:
  enum class Mode { kChange, kRead, kStatement };

  // Begins a transaction on `db`, which must have none open.
  static Result<std::unique_ptr<PgLedgerTxn>> Begin(PgConnection& db, Mode mode);
  ~PgLedgerTxn() override;  // rolls back what was not committed
  PgLedgerTxn(const PgLedgerTxn&) = delete;
  PgLedgerTxn& operator=(const PgLedgerTxn&) = delete;

  // The first failure of a statement of this transaction, if any.
  const std::optional<Error>& failure() const { return m_failure; }

  // Writes the changes and commits them. Errors: kBusy (run the change
  // again), kUnavailable (not applied), kInternal (the outcome is unknown,
  // or the schema refused a record), and failure() if there was one.
  Status Commit();

 private:
  PgLedgerTxn(PgConnection& db, Mode mode) : m_db(&db), m_mode(mode) {}
  Result<std::optional<std::string>> ReadStored(const std::string& key) const override;
  Result<std::optional<std::string>> ReadSupply() const;
  Result<std::optional<std::string>> ReadTotals() const;
  Status WriteAll();
  Status WriteSupply(const std::string& value);
  Status WriteTotals(const std::string& value, int shard);
  // `s`, remembered when it is the transaction's first failure.
  Status Failed(Status s) const;

  PgConnection* m_db;
  Mode m_mode;
  bool m_done = false;  // committed or rolled back
  mutable std::optional<Error> m_failure;
  mutable std::optional<uint64_t> m_minted;  // the supply as read
  mutable std::set<std::string> m_existed;   // rows read present (and locked)
};

}  // namespace tollstream
