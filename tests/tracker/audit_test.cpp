#include "tests/tracker/ledger_fixture.h"
#include "tracker/ledger_keys.h"

namespace tollstream::test {
namespace {

void Poke(KvStore& store, const std::string& key, const std::optional<std::string>& value) {
  KvBatch b;
  if (value) {
    b.Put(key, *value);
  } else {
    b.Delete(key);
  }
  REQUIRE(store.Write(b, true).ok());
}

}  // namespace

TEST_CASE_FIXTURE(LedgerFixture,
                  "the audit finds tokens created, lost or locked outside the rules") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 500);
  Contract k = MakeContract(c, b, spend, income, 10, 10);
  REQUIRE(Open(b, k).ok());
  Contract k2 = MakeContract(c, b, spend, income, 5, 2);
  REQUIRE(Open(b, k2).ok());
  REQUIRE(Close(b, k2, MakeReceipt(c, k2, 2, 10)).ok());
  REQUIRE(AuditHolds());
  pipeline.reset();  // the tests below write to the store directly
  auto report = AuditLedger(*store);
  CHECK(report->contracts_open == 1);
  CHECK(report->contracts_closed == 1);
  CHECK(report->minted == 1000);
  CHECK(report->locked == 100);

  auto original = Dump();
  auto tamper = [&](const std::string& key, std::function<void(json&)> change) {
    json j = json::parse(original.at(key));
    change(j);
    Poke(*store, key, j.dump());
  };
  auto restore = [&] {
    KvBatch b2;
    auto now = Dump();
    for (const auto& [key, value] : now) {
      if (!original.contains(key)) b2.Delete(key);
    }
    for (const auto& [key, value] : original) b2.Put(key, value);
    REQUIRE(store->Write(b2, true).ok());
    REQUIRE(AuditHolds());
  };
  struct Case {
    const char* name;
    std::function<void()> damage;
  };
  std::string client = AddressOf(c.public_key());
  std::vector<Case> cases = {
      {"a balance raised",
       [&] { tamper(keys::Account(client), [](json& j) { j["balance"] = 501; }); }},
      {"a balance lowered",
       [&] { tamper(keys::Account(income), [](json& j) { j["balance"] = 0; }); }},
      {"a lock dropped", [&] { tamper(keys::Account(spend), [](json& j) { j["locked"] = 0; }); }},
      {"supply inflated", [&] { tamper(keys::kSupply, [](json& j) { j["minted"] = 2000; }); }},
      {"a journal entry lost", [&] { Poke(*store, keys::Journal(1), std::nullopt); }},
      {"a contract overpaid",
       [&] { tamper(keys::Contract(ToHex(k2.id)), [](json& j) { j["paid"] = 11; }); }},
      {"an open contract unindexed",
       [&] {
         auto it = store->NewIterator();
         it->Seek("x/");
         Poke(*store, std::string(it->key()), std::nullopt);
       }},
      {"an open contract missing under its income address",
       [&] { Poke(*store, keys::OpenByAddress(income, ToHex(k.id)), std::nullopt); }},
      {"a closed contract listed under an address",
       [&] { Poke(*store, keys::OpenByAddress(spend, ToHex(k2.id)), ""); }},
      {"an open contract listed under another address",
       [&] { Poke(*store, keys::OpenByAddress(client, ToHex(k.id)), ""); }},
      {"an account record lost", [&] { Poke(*store, keys::Account(income), std::nullopt); }},
  };
  for (const auto& c2 : cases) {
    CAPTURE(c2.name);
    c2.damage();
    auto damaged = AuditLedger(*store);
    REQUIRE(damaged.ok());
    CHECK_FALSE(damaged->ok);
    CHECK_FALSE(damaged->problems.empty());
    restore();
  }
}

}  // namespace tollstream::test
