// A ledger transaction on PostgreSQL (the LedgerTxn of tracker/ledger_txn.h
// whose backend is the schema of pg_schema.h): reads go to the database as
// the rules ask, writes are kept and sent at Commit, all in one database
// transaction.
//
// A change runs at SERIALIZABLE: whatever instances run at once, the result
// is that of some order of them, or the database fails one with a
// serialization failure (kBusy: run the change again from its start, in a
// new transaction). So that concurrent changes do not all conflict on the
// rows every change touches:
//   - the journal's numbers come from a sequence (the `j/<seq>` key and
//     the supply's `journal_next` a change sees are not used);
//   - in a change, the totals read as zero and what is written to them is
//     added to one shard of the totals table (the shard of the first
//     contract the change writes); a read sums the shards;
//   - the supply is written only when the minted amount changes (mint).
// A read (Mode::kRead) is one REPEATABLE READ READ ONLY snapshot, which
// never fails for serialization.
//
// The first statement that fails poisons the transaction: later reads
// fail too, and failure() and Commit say why, so a caller never takes a
// refusal made from a failed read for the ledger's answer.
//
// Not thread-safe: one transaction per connection at a time.
#pragma once

#include <memory>

#include "tracker/ledger_txn.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

class PgLedgerTxn final : public LedgerTxn {
 public:
  enum class Mode { kChange, kRead };

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
};

}  // namespace tollstream
