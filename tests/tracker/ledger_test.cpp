#include "tests/tracker/ledger_fixture.h"
#include "tracker/ledger_keys.h"

namespace tollstream::test {

TEST_CASE_FIXTURE(LedgerFixture, "mint and transfer move exact amounts") {
  KeyPair a = KeyPair::Generate(), b = KeyPair::Generate();
  Mint(a.public_key(), 1000);
  auto moved = Apply([&](LedgerTxn& t) {
    return ledger.Transfer(t, a.public_key(), AddressOf(b.public_key()), 300, "r", kNow);
  });
  REQUIRE(moved.ok());
  CHECK(Balance(AddressOf(a.public_key())) == 700);
  CHECK(Balance(AddressOf(b.public_key())) == 300);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture, "refused operations change nothing") {
  KeyPair a = KeyPair::Generate(), b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(a.public_key(), 100);
  std::string spend = Spend(c, 0);
  auto before = Dump();
  struct Case {
    const char* name;
    std::function<Result<json>(LedgerTxn&)> op;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"overdraw",
       [&](LedgerTxn& t) {
         return ledger.Transfer(t, a.public_key(), AddressOf(b.public_key()), 101, "r", kNow);
       },
       ErrorCode::kInsufficientFunds},
      {"to self",
       [&](LedgerTxn& t) {
         return ledger.Transfer(t, a.public_key(), AddressOf(a.public_key()), 1, "r", kNow);
       },
       ErrorCode::kInvalidField},
      {"to special",
       [&](LedgerTxn& t) { return ledger.Transfer(t, a.public_key(), spend, 1, "r", kNow); },
       ErrorCode::kConflict},
      {"mint to special", [&](LedgerTxn& t) { return ledger.Mint(t, spend, 1, "r", kNow); },
       ErrorCode::kConflict},
      {"mint past 2^53-1",
       [&](LedgerTxn& t) {
         return ledger.Mint(t, AddressOf(b.public_key()), kMaxAmount, "r", kNow);
       },
       ErrorCode::kConflict},
      {"deposit without funds",
       [&](LedgerTxn& t) { return ledger.GetSpendAddress(t, b.public_key(), 5, "r", kNow); },
       ErrorCode::kInsufficientFunds},
      {"close another's spend",
       [&](LedgerTxn& t) { return ledger.CloseSpendAddress(t, a.public_key(), spend, "r", kNow); },
       ErrorCode::kForbidden},
      {"close unknown address",
       [&](LedgerTxn& t) {
         return ledger.CloseIncomeAddress(t, a.public_key(), std::string(64, 'e'), "r", kNow);
       },
       ErrorCode::kNotFound},
      {"close unknown contract",
       [&](LedgerTxn& t) {
         return ledger.CloseContract(t, a.public_key(), std::string(64, 'e'), std::nullopt, kNow);
       },
       ErrorCode::kNotFound},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    auto r = Apply(k.op);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == k.code);
    CHECK(Dump() == before);
  }
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "special addresses: one open at a time, numbered, closed to the owner") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  std::string income = Income(b);
  CHECK(Income(b) == income);  // asking again gives the same open address
  CHECK(income == SpecialAddress(AccountKind::kIncome, tracker.public_key(), b.public_key(), 0));
  Mint(c.public_key(), 500);
  std::string spend = Spend(c, 200);
  CHECK(Spend(c, 100) == spend);  // a top-up
  CHECK(Balance(spend) == 300);
  CHECK(Balance(AddressOf(c.public_key())) == 200);
  json closed = *Apply(
      [&](LedgerTxn& t) { return ledger.CloseSpendAddress(t, c.public_key(), spend, "r", kNow); });
  CHECK(closed["paid_out"] == 300);
  CHECK(Balance(AddressOf(c.public_key())) == 500);
  CHECK(AccountOf(spend)["open"] == false);
  std::string next = Spend(c, 0);
  CHECK(next != spend);
  CHECK(next == SpecialAddress(AccountKind::kSpend, tracker.public_key(), c.public_key(), 1));
  auto again = Apply(
      [&](LedgerTxn& t) { return ledger.CloseSpendAddress(t, c.public_key(), spend, "r", kNow); });
  CHECK(again.error().code == ErrorCode::kConflict);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "a full contract cycle: one segment's price charged at opening, segments x "
                  "price paid at closing, the rest returned") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 600);
  Contract k = MakeContract(c, b, spend, income, /*price=*/7, /*max_segments=*/50);
  auto opened = Open(b, k);
  REQUIRE(opened.ok());
  CHECK((*opened)["lock"] == 350);
  CHECK((*opened)["charged"] == 7);
  CHECK(AccountOf(spend)["locked"] == 350);
  CHECK(AccountOf(spend)["available"] == 243);
  CHECK(Balance(income) == 7);  // the opening charge, the broadcaster's at once

  auto closed = Close(b, k, MakeReceipt(c, k, 12, 12000));
  REQUIRE(closed.ok());
  CHECK((*closed)["paid"] == 84);
  CHECK((*closed)["released"] == 266);
  CHECK(Balance(income) == 91);
  CHECK(Balance(spend) == 509);
  CHECK(AccountOf(spend)["locked"] == 0);
  CHECK(AccountOf(income)["segments"] == 12);
  CHECK(AccountOf(income)["bytes"] == 12000);

  auto twice = Close(b, k, MakeReceipt(c, k, 12, 12000));
  CHECK(twice.error().code == ErrorCode::kConflict);

  json out_b = *Apply([&](LedgerTxn& t) {
    return ledger.CloseIncomeAddress(t, b.public_key(), income, "r", kNow);
  });
  json out_c = *Apply(
      [&](LedgerTxn& t) { return ledger.CloseSpendAddress(t, c.public_key(), spend, "r", kNow); });
  CHECK(out_b["paid_out"] == 91);
  CHECK(out_c["paid_out"] == 509);
  CHECK(Balance(AddressOf(b.public_key())) == 91);
  CHECK(Balance(AddressOf(c.public_key())) == 909);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "tokens sent to a special address before it is made are its opening balance") {
  KeyPair a = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(a.public_key(), 100);
  Mint(c.public_key(), 3);
  std::string next = SpecialAddress(AccountKind::kSpend, tracker.public_key(), c.public_key(), 0);
  REQUIRE(Apply([&](LedgerTxn& t) {
            return ledger.Transfer(t, a.public_key(), next, 7, "early", kNow);
          }).ok());
  CHECK(Spend(c, 3) == next);
  CHECK(AccountOf(next)["kind"] == "spend");
  CHECK(Balance(next) == 10);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture, "an owner's open income address is known from open to close") {
  KeyPair b = KeyPair::Generate();
  auto open_income = [&] {
    auto found = ledger.OpenSpecialAddress(*View(), AccountKind::kIncome, b.public_key());
    REQUIRE(found.ok());
    return *found;
  };
  CHECK_FALSE(open_income().has_value());
  std::string income = Income(b);
  CHECK(open_income() == income);
  REQUIRE(Apply([&](LedgerTxn& t) {
            return ledger.CloseIncomeAddress(t, b.public_key(), income, "close", kNow);
          }).ok());
  CHECK_FALSE(open_income().has_value());
  std::string next = Income(b);
  CHECK(next != income);
  CHECK(open_income() == next);
}

TEST_CASE_FIXTURE(LedgerFixture, "an owner's open addresses are read without opening any") {
  KeyPair o = KeyPair::Generate();
  Mint(o.public_key(), 50);
  auto open = [&] {
    auto found = ledger.OpenAddresses(*View(), o.public_key());
    REQUIRE(found.ok());
    CHECK((*found)["owner"] == o.public_key().ToHex());
    return *found;
  };
  json none = open();
  CHECK(none["income"].is_null());
  CHECK(none["spend"].is_null());
  // Asked before: the first of each kind is still generation 0.
  std::string spend = Spend(o, 20);
  CHECK(spend == SpecialAddress(AccountKind::kSpend, tracker.public_key(), o.public_key(), 0));
  CHECK(open()["spend"] == spend);
  CHECK(open()["income"].is_null());
  std::string income = Income(o);
  CHECK(income == SpecialAddress(AccountKind::kIncome, tracker.public_key(), o.public_key(), 0));
  CHECK(open()["income"] == income);
  REQUIRE(Apply([&](LedgerTxn& t) {
            return ledger.CloseSpendAddress(t, o.public_key(), spend, "close", kNow);
          }).ok());
  CHECK(open()["spend"].is_null());
  CHECK(open()["income"] == income);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture, "opening a contract checks addresses, owners, funds and time") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate(), other = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  Mint(other.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 100);
  std::string other_spend = Spend(other, 500);
  std::string other_income = Income(other);
  auto before = Dump();
  struct Case {
    const char* name;
    Contract contract;
    const KeyPair* sender;
    int64_t now;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {"lock above available", MakeContract(c, b, spend, income, 10, 11), &b, kNow,
       ErrorCode::kInsufficientFunds},
      {"lock and opening charge above available", MakeContract(c, b, spend, income, 10, 10), &b,
       kNow, ErrorCode::kInsufficientFunds},
      {"someone else's spend address", MakeContract(c, b, other_spend, income, 1, 1), &b, kNow,
       ErrorCode::kForbidden},
      {"income address as spend", MakeContract(c, b, income, income, 1, 1), &b, kNow,
       ErrorCode::kNotFound},
      {"unknown income address", MakeContract(c, b, spend, std::string(64, 'e'), 1, 1), &b, kNow,
       ErrorCode::kNotFound},
      {"sent by the viewer", MakeContract(c, b, spend, income, 1, 1), &c, kNow,
       ErrorCode::kForbidden},
      {"expired", MakeContract(c, b, spend, income, 1, 1, kNow - 1), &b, kNow,
       ErrorCode::kConflict},
      {"too far ahead", MakeContract(c, b, spend, income, 1, 1, kNow + 3601), &b, kNow,
       ErrorCode::kInvalidField},
      {"a key buying from itself", MakeContract(other, other, other_spend, other_income, 1, 1),
       &other, kNow, ErrorCode::kInvalidField},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    auto r = Open(*k.sender, k.contract, k.now);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == k.code);
    CHECK(Dump() == before);
  }
  Contract fits = MakeContract(c, b, spend, income, 10, 9);  // 90 locked, 10 charged
  REQUIRE(Open(b, fits).ok());
  CHECK(Open(b, fits).error().code == ErrorCode::kDuplicate);
  Contract one_more = MakeContract(c, b, spend, income, 1, 1);
  CHECK(Open(b, one_more).error().code == ErrorCode::kInsufficientFunds);
  auto closing = Apply(
      [&](LedgerTxn& t) { return ledger.CloseSpendAddress(t, c.public_key(), spend, "r", kNow); });
  CHECK(closing.error().code == ErrorCode::kConflict);  // a contract is open
  auto closing_income = Apply([&](LedgerTxn& t) {
    return ledger.CloseIncomeAddress(t, b.public_key(), income, "r", kNow);
  });
  CHECK(closing_income.error().code == ErrorCode::kConflict);
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture, "closing checks the receipt against the contract") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate(), stranger = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 1000);
  Contract k = MakeContract(c, b, spend, income, 10, 5);
  REQUIRE(Open(b, k).ok());
  auto before = Dump();

  Receipt over = MakeReceipt(c, k, 6, 1);  // more segments than the contract allows
  CHECK(Close(b, k, over).error().code == ErrorCode::kInvalidField);
  Receipt raised = MakeReceipt(c, k, 2, 1);
  raised.amount = 30;  // not segments x price
  SignReceipt(raised, c);
  CHECK(Close(b, k, raised).error().code == ErrorCode::kInvalidField);
  Receipt forged = MakeReceipt(stranger, k, 2, 1);  // signed by someone else
  CHECK(Close(b, k, forged).error().code == ErrorCode::kForbidden);
  CHECK(Close(stranger, k, MakeReceipt(c, k, 2, 1)).error().code == ErrorCode::kForbidden);
  CHECK(Close(b, k, MakeReceipt(c, k, 2, 1), k.terms.expires + 60).error().code ==
        ErrorCode::kConflict);
  CHECK(Dump() == before);

  auto nothing = Close(b, k, std::nullopt);  // the broadcaster gives up: nothing is owed
  REQUIRE(nothing.ok());
  CHECK((*nothing)["paid"] == 0);
  CHECK(Balance(spend) == 990);  // all but the opening charge
  CHECK(AuditHolds());
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "a contract with renditions pays each segment at its rendition's price") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 1000);
  Contract k = MakeContract(c, b, spend, income, 6, 20);
  k.terms.renditions = {{"1080p", 6}, {"720p", 3}, {"360p", 1}};
  SignAsViewer(k, c);
  SignAsBroadcaster(k, b);
  auto opened = Open(b, k);
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  CHECK((*opened)["lock"] == 120);  // the top price x max_segments
  CHECK((*opened)["charged"] == 6);
  auto before = Dump();

  // 2 + 5 + 3 segments: 2 x 6 + 5 x 3 + 3 x 1 = 30.
  auto receipt = [&](uint64_t segments, std::vector<uint64_t> counts, uint64_t amount) {
    Receipt r = MakeReceipt(c, k, segments, 10 * segments);
    r.counts = std::move(counts);
    r.amount = amount;
    SignReceipt(r, c);
    return r;
  };
  struct Refused {
    const char* name;
    Receipt r;
    const char* says;
  };
  std::vector<Refused> refused = {
      {"no counts", receipt(10, {}, 30), "counts must hold one count for each"},
      {"counts of another length", receipt(10, {2, 8}, 30), "counts must hold one count"},
      {"counts not adding up", receipt(10, {2, 5, 4}, 30), "counts must add up to segments"},
      {"every segment at the top price", receipt(10, {2, 5, 3}, 60), "= 30"},
      {"every segment at the lowest price", receipt(10, {2, 5, 3}, 10), "= 30"},
      {"more than max_segments", receipt(21, {21, 0, 0}, 126), "exceeds"},
  };
  for (const auto& [name, r, says] : refused) {
    CAPTURE(name);
    auto closed = Close(b, k, r);
    REQUIRE_FALSE(closed.ok());
    CHECK(closed.error().code == ErrorCode::kInvalidField);
    CHECK_MESSAGE(closed.error().message.find(says) != std::string::npos, closed.error().message);
  }
  CHECK(Dump() == before);

  auto closed = Close(b, k, receipt(10, {2, 5, 3}, 30));
  REQUIRE_MESSAGE(closed.ok(), closed.error().message);
  CHECK((*closed)["paid"] == 30);
  CHECK((*closed)["released"] == 90);
  CHECK(Balance(income) == 36);  // the opening charge and the receipt
  CHECK(Balance(spend) == 1000 - 36);
  auto info = ledger.ContractInfo(*View(), ToHex(k.id));
  REQUIRE(info.ok());
  CHECK((*info)["counts"] == json::array({2, 5, 3}));
  CHECK((*info)["terms"]["renditions"][1] == json{{"name", "720p"}, {"price", 3}});
  CHECK(AuditHolds());

  // The audit checks the counts against what was paid.
  if (db) {
    REQUIRE(
        db->Exec("UPDATE contracts SET rendition_counts = '{3,4,3}' WHERE id = $1", {ToHex(k.id)})
            .ok());
  } else {
    pipeline.reset();
    json rec = json::parse(*(*store->Get(keys::Contract(ToHex(k.id)))));
    rec["counts"] = json::array({3, 4, 3});
    KvBatch batch;
    batch.Put(keys::Contract(ToHex(k.id)), rec.dump());
    REQUIRE(store->Write(batch, true).ok());
  }
  auto report = views().Audit(nullptr);
  REQUIRE(report.ok());
  REQUIRE_FALSE(report->ok);
  CHECK_MESSAGE(report->problems.at(0).find("paid other than its renditions' counts x prices") !=
                    std::string::npos,
                report->problems.at(0));
}

TEST_CASE_FIXTURE(LedgerFixture, "a contract without renditions takes no counts") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  Contract k = MakeContract(c, b, Spend(c, 1000), Income(b), 10, 5);
  REQUIRE(Open(b, k).ok());
  Receipt r = MakeReceipt(c, k, 2, 1);
  r.counts = {2};
  SignReceipt(r, c);
  auto closed = Close(b, k, r);
  REQUIRE_FALSE(closed.ok());
  CHECK(closed.error().message.find("this has none") != std::string::npos);
}

TEST_CASE_FIXTURE(LedgerFixture, "an open contract past expiry + grace is released") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 100);
  std::string income = Income(b);
  std::string spend = Spend(c, 100);
  Contract k = MakeContract(c, b, spend, income, 10, 9, kNow + 100);
  REQUIRE(Open(b, k).ok());
  std::string id = ToHex(k.id);
  auto early = Apply([&](LedgerTxn& t) { return ledger.ExpireContract(t, id, kNow + 159); });
  CHECK(early.error().code == ErrorCode::kConflict);
  auto released = Apply([&](LedgerTxn& t) { return ledger.ExpireContract(t, id, kNow + 160); });
  REQUIRE(released.ok());
  CHECK(AccountOf(spend)["locked"] == 0);
  CHECK(Balance(spend) == 90);  // the lock returns; the opening charge does not
  CHECK((*ledger.ContractInfo(*View(), id))["state"] == "expired");
  CHECK(AuditHolds());
}

}  // namespace tollstream::test
