// A ledger of many closed contracts, written straight into a stopped
// tracker's LevelDB ledger through the tracker's own ledger code (real
// signatures, every record as the running tracker writes it) in large
// synced batches: far faster than through requests.
#pragma once

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/crypto/random.h"
#include "common/protocol/address.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/store/commit_pipeline.h"
#include "tracker/ledger.h"
#include "tracker/ledger_txn.h"

namespace tollstream::test {

// A broadcaster and a viewer, with their income and spend addresses once built.
struct PairKeys {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  std::string income, spend;
};

// Writes `contracts` closed contracts (at `price` a segment, up to
// `max_segments`) into the ledger in `data_dir`, spread over `keys`, whose
// addresses it makes (and funds) first.
inline bool BuildLedger(const std::string& data_dir, const KeyPair& tracker,
                        std::vector<PairKeys>& keys, size_t contracts, uint64_t price,
                        uint64_t max_segments) {
  auto store = KvStore::Open(data_dir + "/ledger");
  if (!store) return false;
  CommitPipeline pipeline(**store);
  Ledger ledger(tracker.public_key(), LedgerConfig{});
  int64_t now = UnixNow();
  auto apply = [&](const std::function<bool(LedgerTxn&)>& work) {
    PipelineTxn txn(pipeline);
    if (!work(txn)) return false;
    auto seq = txn.Commit();
    return seq.ok() && pipeline.WaitDurable(*seq).ok();
  };
  uint64_t per_pair = (contracts / keys.size() + 1) * price * (max_segments + 1) + 100'000;
  if (!apply([&](LedgerTxn& txn) {
        for (auto& k : keys) {
          if (!ledger.Mint(txn, AddressOf(k.c.public_key()), per_pair, "bench", now)) return false;
          auto spend = ledger.GetSpendAddress(txn, k.c.public_key(), per_pair, "bench", now);
          auto income = ledger.GetIncomeAddress(txn, k.b.public_key(), now);
          if (!spend || !income) return false;
          k.spend = (*spend)["address"];
          k.income = (*income)["address"];
        }
        return true;
      })) {
    return false;
  }
  const size_t kBatch = 1000;
  for (size_t done = 0; done < contracts; done += kBatch) {
    size_t n = std::min(kBatch, contracts - done);
    std::vector<Contract> batch(n);
    std::vector<Receipt> receipts(n);
    std::vector<std::thread> signers;
    for (size_t s = 0; s < 2; ++s) {
      signers.emplace_back([&, s] {
        for (size_t i = s; i < n; i += 2) {
          PairKeys& k = keys[(done + i) % keys.size()];
          Contract& c = batch[i];
          c.terms = ContractTerms{tracker.public_key(),
                                  k.c.public_key(),
                                  k.b.public_key(),
                                  k.spend,
                                  k.income,
                                  "growth",
                                  price,
                                  max_segments,
                                  now + 3600,
                                  RandomHex(16),
                                  {}};
          SignAsViewer(c, k.c);
          SignAsBroadcaster(c, k.b);
          receipts[i].contract = c.id;
          receipts[i].viewer = k.c.public_key();
          receipts[i].segments = 1 + i % max_segments;
          receipts[i].bytes = 1'000'000;
          receipts[i].amount = receipts[i].segments * price;
          receipts[i].chain = c.id;
          SignReceipt(receipts[i], k.c);
        }
      });
    }
    for (auto& s : signers) s.join();
    bool ok = apply([&](LedgerTxn& txn) {
      for (size_t i = 0; i < n; ++i) {
        const PairKeys& k = keys[(done + i) % keys.size()];
        if (!ledger.OpenContract(txn, k.b.public_key(), batch[i], now)) return false;
        if (!ledger.CloseContract(txn, k.b.public_key(), ToHex(batch[i].id), receipts[i], now))
          return false;
      }
      return true;
    });
    if (!ok) return false;
  }
  return true;
}

}  // namespace tollstream::test
