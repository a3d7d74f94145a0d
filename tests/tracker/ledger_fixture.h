// A fresh ledger for rule tests: on LevelDB in a temporary directory, or,
// when TOLLSTREAM_TEST_LEDGER=postgresql (ctest runs the rule tests both
// ways), in a schema of its own in a throw-away PostgreSQL cluster.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <map>

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/crypto/random.h"
#include "common/protocol/address.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/store/commit_pipeline.h"
#include "common/store/kv_store.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/temp_dir.h"
#include "tracker/audit.h"
#include "tracker/ledger.h"
#include "tracker/ledger_indexes.h"
#include "tracker/leveldb_ledger_store.h"
#include "tracker/pg/pg_audit.h"
#include "tracker/pg/pg_ledger_store.h"
#include "tracker/pg/pg_ledger_txn.h"
#include "tracker/pg/pg_schema.h"

namespace tollstream::test {

inline constexpr int64_t kNow = 1795400000;

// The URL of a fresh, empty ledger schema of tracker `key`.
inline std::string FreshPgLedger(const PublicKey& key) {
  std::string url = SharedPgSchemaUrl();
  auto db = PgConnection::Open(url);
  REQUIRE_MESSAGE(db.ok(), db.error().message);
  REQUIRE(CreatePgSchema(**db, key.ToHex()).ok());
  return url;
}

class LedgerFixture {
 public:
  LedgerFixture()
      : store(std::move(*KvStore::Open(dir / "db"))),
        pipeline(std::make_unique<CommitPipeline>(*store)),
        ledger(tracker.public_key(),
               LedgerConfig{/*grace_seconds=*/60, /*max_contract_seconds=*/3600}) {
    REQUIRE(BuildMissingIndexes(*store).ok());  // as a tracker's ledger: its indexes built
    if (LedgerOnPostgres()) {
      std::string url = FreshPgLedger(tracker.public_key());
      auto opened = PgConnection::Open(url);
      REQUIRE(opened.ok());
      db = std::move(*opened);
      m_views = std::make_unique<PgLedgerStore>(url, 1);
    } else {
      m_views = std::make_unique<LevelDbLedgerStore>(*store, std::chrono::microseconds(0));
    }
  }

  // The read-only views of the committed ledger (figures, pages, audit).
  LedgerStore& views() { return *m_views; }

  // Runs `op` in a transaction, committing (and waiting) only when it succeeds.
  Result<json> Apply(const std::function<Result<json>(LedgerTxn&)>& op) {
    if (db) {
      auto txn = PgLedgerTxn::Begin(*db, PgLedgerTxn::Mode::kChange);
      REQUIRE(txn.ok());
      auto result = op(**txn);
      REQUIRE_FALSE((*txn)->failure().has_value());
      if (result) REQUIRE((*txn)->Commit().ok());
      return result;
    }
    PipelineTxn txn(*pipeline);
    auto result = op(txn);
    if (result) {
      auto seq = txn.Commit();
      REQUIRE(seq.ok());
      REQUIRE(pipeline->WaitDurable(*seq).ok());
    }
    return result;
  }

  // A view of the ledger now (on PostgreSQL, a snapshot: drop it before
  // the next transaction).
  std::unique_ptr<LedgerTxn> View() {
    if (!db) return std::make_unique<PipelineTxn>(*pipeline);
    auto view = PgLedgerTxn::Begin(*db, PgLedgerTxn::Mode::kRead);
    REQUIRE(view.ok());
    return std::move(*view);
  }

  // Every record in the store (every row of every table), for before/after comparisons.
  std::map<std::string, std::string> Dump() {
    std::map<std::string, std::string> out;
    if (db) {
      for (const char* table : {"accounts", "owners", "contracts", "journal", "supply", "totals",
                                "answers", "announcements"}) {
        auto rows = db->Exec(std::string("SELECT t::text FROM ") + table + " t");
        REQUIRE(rows.ok());
        for (const auto& row : rows->rows) out.emplace(table + (" " + *row.at(0)), "");
      }
      return out;
    }
    auto it = store->NewIterator();
    for (it->Seek(""); it->Valid(); it->Next()) out.emplace(it->key(), it->value());
    return out;
  }

  uint64_t Balance(const std::string& address) {
    return (*ledger.AccountInfo(*View(), address))["balance"].get<uint64_t>();
  }
  json AccountOf(const std::string& address) { return *ledger.AccountInfo(*View(), address); }

  bool AuditHolds() {
    auto report = views().Audit(nullptr);
    REQUIRE(report.ok());
    if (!report->ok) {
      for (const auto& p : report->problems) MESSAGE(p);
    }
    return report->ok;
  }

  void Mint(const PublicKey& to, uint64_t amount) {
    REQUIRE(Apply([&](LedgerTxn& t) {
              return ledger.Mint(t, AddressOf(to), amount, "mint", kNow);
            }).ok());
  }
  std::string Income(const KeyPair& b) {
    auto r = Apply([&](LedgerTxn& t) { return ledger.GetIncomeAddress(t, b.public_key(), kNow); });
    REQUIRE(r.ok());
    return (*r)["address"];
  }
  std::string Spend(const KeyPair& c, uint64_t deposit) {
    auto r = Apply([&](LedgerTxn& t) {
      return ledger.GetSpendAddress(t, c.public_key(), deposit, "dep", kNow);
    });
    REQUIRE(r.ok());
    return (*r)["address"];
  }
  Contract MakeContract(const KeyPair& c, const KeyPair& b, const std::string& spend,
                        const std::string& income, uint64_t price, uint64_t max_segments,
                        int64_t expires = kNow + 600) {
    Contract k;
    k.terms = ContractTerms{
        tracker.public_key(), c.public_key(), b.public_key(), spend, income, "news", price,
        max_segments,         expires,        RandomHex(16),  {}};
    SignAsViewer(k, c);
    SignAsBroadcaster(k, b);
    return k;
  }
  Result<json> Open(const KeyPair& b, const Contract& k, int64_t now = kNow) {
    return Apply([&](LedgerTxn& t) { return ledger.OpenContract(t, b.public_key(), k, now); });
  }
  Receipt MakeReceipt(const KeyPair& c, const Contract& k, uint64_t segments, uint64_t bytes) {
    Receipt r;
    r.contract = k.id;
    r.viewer = c.public_key();
    r.segments = segments;
    r.bytes = bytes;
    r.amount = segments * k.terms.price;
    r.chain = k.id;
    SignReceipt(r, c);
    return r;
  }
  Result<json> Close(const KeyPair& b, const Contract& k, const std::optional<Receipt>& r,
                     int64_t now = kNow + 10) {
    return Apply(
        [&](LedgerTxn& t) { return ledger.CloseContract(t, b.public_key(), ToHex(k.id), r, now); });
  }

  TempDir dir;
  KeyPair tracker = KeyPair::Generate();
  std::unique_ptr<KvStore> store;
  std::unique_ptr<CommitPipeline> pipeline;
  Ledger ledger;
  std::unique_ptr<PgConnection> db;  // the ledger, when it is on PostgreSQL

 private:
  std::unique_ptr<LedgerStore> m_views;
};

}  // namespace tollstream::test
