// What the ledger's rules share: every address exists, a movement of tokens
// always has its journal entry (and one that does not fit changes nothing),
// and an open special address is found only for its owner while it is open.
#include "tracker/ledger_access.h"

#include "tests/tracker/ledger_fixture.h"

namespace tollstream::test {

TEST_CASE_FIXTURE(LedgerFixture,
                  "an address never seen is ordinary and empty; a stored one reads back") {
  PipelineTxn txn(*pipeline);
  std::string address = AddressOf(KeyPair::Generate().public_key());
  auto fresh = LoadAccount(txn, address);
  REQUIRE(fresh.ok());
  CHECK(fresh->address == address);
  CHECK(fresh->kind == AccountKind::kOrdinary);
  CHECK(fresh->balance == 0);
  CHECK(txn.empty());  // reading writes nothing

  fresh->balance = 42;
  StoreAccount(txn, *fresh);
  auto stored = LoadAccount(txn, address);
  REQUIRE(stored.ok());
  CHECK(stored->balance == 42);
  auto supply = LoadOrDefault<Supply>(txn, keys::kSupply);
  REQUIRE(supply.ok());
  CHECK(supply->minted == 0);
  CHECK(supply->journal_next == 0);
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "a movement writes its journal entry; one that does not fit none") {
  PipelineTxn txn(*pipeline);
  Supply supply{/*minted=*/100, /*journal_next=*/7};
  Account from, to;
  from.address = std::string(64, 'a');
  from.balance = 100;
  to.address = std::string(64, 'b');
  REQUIRE(Move(txn, supply, "transfer", from, to, 30, "ref", kNow).ok());
  CHECK(from.balance == 70);
  CHECK(to.balance == 30);
  CHECK(supply.journal_next == 8);
  auto entry = Load<JournalEntry>(txn, keys::Journal(7));
  REQUIRE(entry.ok());
  REQUIRE(entry->has_value());
  CHECK((*entry)->kind == "transfer");
  CHECK((*entry)->from == from.address);
  CHECK((*entry)->to == to.address);
  CHECK((*entry)->amount == 30);
  CHECK((*entry)->ref == "ref");
  CHECK((*entry)->ts == kNow);

  auto overdraw = Move(txn, supply, "transfer", from, to, 71, "ref", kNow);
  REQUIRE_FALSE(overdraw.ok());
  CHECK(overdraw.error().code == ErrorCode::kInternal);
  CHECK(from.balance == 70);
  CHECK(to.balance == 30);
  CHECK(supply.journal_next == 8);
  auto none = Load<JournalEntry>(txn, keys::Journal(8));
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

TEST_CASE_FIXTURE(LedgerFixture, "an open special address is found for its owner alone") {
  KeyPair owner = KeyPair::Generate(), other = KeyPair::Generate();
  std::string income = Income(owner);
  PipelineTxn txn(*pipeline);
  auto found = LoadOpenSpecial(txn, AccountKind::kIncome, income, owner.public_key(), "x");
  REQUIRE(found.ok());
  CHECK(found->address == income);
  struct Case {
    const char* name;
    AccountKind kind;
    std::string address;
    const KeyPair* owner;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"another kind", AccountKind::kSpend, income, &owner, ErrorCode::kNotFound},
      {"an ordinary address", AccountKind::kIncome, AddressOf(owner.public_key()), &owner,
       ErrorCode::kNotFound},
      {"another owner", AccountKind::kIncome, income, &other, ErrorCode::kForbidden},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto refused = LoadOpenSpecial(txn, c.kind, c.address, c.owner->public_key(), "x");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == c.code);
  }
  REQUIRE(Apply([&](LedgerTxn& t) {
            return ledger.CloseIncomeAddress(t, owner.public_key(), income, "close", kNow);
          }).ok());
  PipelineTxn after(*pipeline);
  auto closed = LoadOpenSpecial(after, AccountKind::kIncome, income, owner.public_key(), "x");
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().code == ErrorCode::kConflict);
}

}  // namespace tollstream::test
