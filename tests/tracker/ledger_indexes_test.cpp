// Indexes built when a ledger is opened: a ledger without the index of open
// contracts by address (written before it existed) gets it, exactly, once.
#include "tracker/ledger_indexes.h"

#include "tests/tracker/ledger_fixture.h"
#include "tracker/ledger_keys.h"

namespace tollstream::test {

TEST_CASE_FIXTURE(LedgerFixture, "a ledger without the index by address gets it, exactly, once") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 500);
  std::vector<Contract> k;
  for (int i = 0; i < 5; ++i) {
    k.push_back(MakeContract(c, b, spend, income, 2, 10));
    REQUIRE(Open(b, k.back()).ok());
  }
  REQUIRE(Close(b, k[1], MakeReceipt(c, k[1], 3, 300)).ok());
  pipeline.reset();                           // the store is written directly below
  REQUIRE(BuildMissingIndexes(*store).ok());  // marked already (the fixture): nothing changes
  auto indexed = Dump();
  CHECK(indexed.count(keys::kIndexes) == 1);
  CHECK(indexed.count(keys::OpenByAddress(income, ToHex(k[0].id))) == 1);
  CHECK(indexed.count(keys::OpenByAddress(spend, ToHex(k[1].id))) == 0);  // closed

  // As an earlier version wrote it: no marker, no entries.
  KvBatch strip;
  strip.Delete(keys::kIndexes);
  size_t entries = 0;
  for (const auto& [key, value] : indexed) {
    if (keys::kOpenByAddress.Contains(key)) {
      strip.Delete(key);
      ++entries;
    }
  }
  CHECK(entries == 2 * 4);
  REQUIRE(store->Write(strip, true).ok());
  CHECK(AuditHolds());  // an index not built yet is not checked (`tracker audit` of an old ledger)
  KvBatch marked;       // ... but one marked built is
  marked.Put(keys::kIndexes, indexed.at(keys::kIndexes));
  REQUIRE(store->Write(marked, true).ok());
  CHECK_FALSE(AuditHolds());
  KvBatch unmarked;
  unmarked.Delete(keys::kIndexes);
  REQUIRE(store->Write(unmarked, true).ok());

  REQUIRE(BuildMissingIndexes(*store).ok());
  CHECK(Dump() == indexed);
  CHECK(AuditHolds());

  // Once marked, it is not built again (an entry removed stays removed).
  KvBatch one;
  one.Delete(keys::OpenByAddress(income, ToHex(k[0].id)));
  REQUIRE(store->Write(one, true).ok());
  REQUIRE(BuildMissingIndexes(*store).ok());
  CHECK(Dump().count(keys::OpenByAddress(income, ToHex(k[0].id))) == 0);
}

TEST_CASE_FIXTURE(LedgerFixture, "a damaged marker is an error, not a rebuild") {
  pipeline.reset();
  KvBatch bad;
  bad.Put(keys::kIndexes, "[1,2");
  REQUIRE(store->Write(bad, true).ok());
  auto built = BuildMissingIndexes(*store);
  REQUIRE_FALSE(built.ok());
  CHECK(built.error().code == ErrorCode::kInternal);
}

}  // namespace tollstream::test
