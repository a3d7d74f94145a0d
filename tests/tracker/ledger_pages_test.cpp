// The dashboard's read-only views of the ledger: every account and contract
// appears exactly once across the pages, whatever the page size; the open
// filter lists exactly the open contracts, soonest release first, even when
// the cursor's contract closed between two pages; bad cursors and limits are
// refused; nothing private leaves.
#include "tracker/ledger_pages.h"

#include <set>

#include "tests/tracker/ledger_fixture.h"

namespace tollstream::test {
namespace {

// Every item of every page, walking with `next`.
std::vector<json> Walk(const std::function<Result<LedgerPage>(const std::string&)>& page_after) {
  std::vector<json> all;
  std::string after;
  for (int pages = 0; pages < 10000; ++pages) {
    auto page = page_after(after);
    REQUIRE_MESSAGE(page.ok(), page.error().message);
    for (const auto& item : page->items) all.push_back(item);
    if (!page->next) return all;
    after = *page->next;
    CHECK(after == (all.back().contains("id") ? all.back()["id"] : all.back()["address"]));
  }
  FAIL("the pages never end");
  return all;
}

std::vector<std::string> Field(const std::vector<json>& items, const char* name) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item[name]);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(LedgerFixture,
                  "pages list every account and contract once; the open filter the open ones") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 100000);
  std::string income = Income(b);
  std::string spend = Spend(c, 50000);
  std::set<std::string> all_ids, open_ids;
  std::vector<Contract> contracts;
  for (int i = 0; i < 23; ++i) {
    // Release times spread and out of id order.
    Contract k = MakeContract(c, b, spend, income, 2, 10, kNow + 100 + (i * 37) % 23);
    REQUIRE(Open(b, k).ok());
    contracts.push_back(k);
    all_ids.insert(ToHex(k.id));
    if (i % 3 == 0) {
      REQUIRE(Close(b, k, MakeReceipt(c, k, 4, 4000)).ok());
    } else {
      open_ids.insert(ToHex(k.id));
    }
  }
  for (size_t limit : {size_t{1}, size_t{2}, size_t{7}, kMaxPageSize}) {
    CAPTURE(limit);
    auto every = Walk([&](const std::string& after) {
      return views().ContractsPage(ContractFilter::kAll, after, limit);
    });
    auto ids = Field(every, "id");
    CHECK(std::set<std::string>(ids.begin(), ids.end()) == all_ids);
    CHECK(ids.size() == all_ids.size());
    CHECK(std::is_sorted(ids.begin(), ids.end()));

    auto open = Walk([&](const std::string& after) {
      return views().ContractsPage(ContractFilter::kOpen, after, limit);
    });
    auto open_list = Field(open, "id");
    CHECK(std::set<std::string>(open_list.begin(), open_list.end()) == open_ids);
    CHECK(open_list.size() == open_ids.size());
    for (size_t i = 0; i < open.size(); ++i) {
      CHECK(open[i]["state"] == "open");
      if (i > 0) CHECK(open[i - 1]["release_at"] <= open[i]["release_at"]);
    }

    auto accounts =
        Walk([&](const std::string& after) { return views().AccountsPage(after, limit); });
    auto addresses = Field(accounts, "address");
    CHECK(addresses.size() == 3);
    CHECK(std::set<std::string>(addresses.begin(), addresses.end()) ==
          std::set<std::string>{AddressOf(c.public_key()), income, spend});
    CHECK(std::is_sorted(addresses.begin(), addresses.end()));
  }

  // A closed contract shows what was paid; none shows a nonce or a signature.
  auto closed = views().ContractView(ToHex(contracts[0].id));
  REQUIRE(closed.ok());
  CHECK((*closed)["state"] == "closed");
  CHECK((*closed)["paid"] == 8);
  CHECK((*closed)["segments"] == 4);
  CHECK((*closed)["bytes"] == 4000);
  CHECK((*closed)["stream"] == "news");
  CHECK((*closed)["viewer"] == c.public_key().ToHex());
  auto page = views().ContractsPage(ContractFilter::kAll, "", kMaxPageSize);
  REQUIRE(page.ok());
  std::string text = page->ToJson("contracts").dump();
  for (const auto& k : contracts) CHECK(text.find(k.terms.nonce) == std::string::npos);
  CHECK(text.find("sig") == std::string::npos);
  CHECK(text.find("chain") == std::string::npos);
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "the open contracts of an address: exactly its own, in id order, by pages") {
  KeyPair b = KeyPair::Generate(), b2 = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 100000);
  std::string income = Income(b), other_income = Income(b2);
  std::string spend = Spend(c, 50000);
  std::set<std::string> open_b, open_b2;
  for (int i = 0; i < 17; ++i) {
    bool second = i % 4 == 1;
    const KeyPair& seller = second ? b2 : b;
    Contract k = MakeContract(c, seller, spend, second ? other_income : income, 2, 10,
                              kNow + 100 + (i * 7) % 17);
    REQUIRE(Open(seller, k).ok());
    if (i % 5 == 0) {
      REQUIRE(Close(seller, k, MakeReceipt(c, k, 1, 100)).ok());
    } else {
      (second ? open_b2 : open_b).insert(ToHex(k.id));
    }
  }
  CHECK(AuditHolds());  // the index by address included
  std::set<std::string> both = open_b;
  both.insert(open_b2.begin(), open_b2.end());
  for (size_t limit : {size_t{1}, size_t{3}, kMaxPageSize}) {
    CAPTURE(limit);
    auto list = [&](const std::string& address) {
      return Field(Walk([&](const std::string& after) {
                     return views().OpenContractsOf(address, after, limit);
                   }),
                   "id");
    };
    for (const auto& [address, expected] :
         {std::pair{income, open_b}, std::pair{other_income, open_b2}, std::pair{spend, both}}) {
      auto ids = list(address);
      CHECK(std::vector<std::string>(expected.begin(), expected.end()) == ids);  // sorted
    }
    CHECK(list(AddressOf(c.public_key())).empty());
  }
  CHECK(views().OpenContractsOf("abc", "", 5).error().code == ErrorCode::kInvalidField);
  CHECK(views().OpenContractsOf(income, "xyz", 5).error().code == ErrorCode::kInvalidField);
  CHECK(views().OpenContractsOf(income, "", 0).error().code == ErrorCode::kInvalidField);
  CHECK(views().OpenContractsOf(income, "", kMaxPageSize + 1).error().code ==
        ErrorCode::kInvalidField);
}

TEST_CASE_FIXTURE(LedgerFixture, "the open filter goes on after its cursor's contract closed") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 1000);
  std::string income = Income(b);
  std::string spend = Spend(c, 500);
  std::vector<Contract> k;
  for (int i = 0; i < 4; ++i) {
    k.push_back(MakeContract(c, b, spend, income, 1, 10, kNow + 100 + i));
    REQUIRE(Open(b, k.back()).ok());
  }
  auto first = views().ContractsPage(ContractFilter::kOpen, "", 2);
  REQUIRE(first.ok());
  REQUIRE(first->next == ToHex(k[1].id));
  REQUIRE(Close(b, k[1], std::nullopt).ok());
  auto second = views().ContractsPage(ContractFilter::kOpen, *first->next, 2);
  REQUIRE(second.ok());
  CHECK(Field(second->items.get<std::vector<json>>(), "id") ==
        std::vector<std::string>{ToHex(k[2].id), ToHex(k[3].id)});
  CHECK(!second->next);
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "bad cursors and limits are refused; an absent contract is not found") {
  std::string id(64, 'a');
  CHECK(views().ContractsPage(ContractFilter::kAll, "", 0).error().code ==
        ErrorCode::kInvalidField);
  CHECK(views().ContractsPage(ContractFilter::kAll, "", kMaxPageSize + 1).error().code ==
        ErrorCode::kInvalidField);
  CHECK(views().ContractsPage(ContractFilter::kAll, "abc", 5).error().code ==
        ErrorCode::kInvalidField);
  CHECK(views().ContractsPage(ContractFilter::kAll, std::string(64, 'A'), 5).error().code ==
        ErrorCode::kInvalidField);
  CHECK(views().ContractsPage(ContractFilter::kAll, id, 5).ok());  // a place in id order
  CHECK(views().ContractsPage(ContractFilter::kOpen, id, 5).error().code ==
        ErrorCode::kInvalidField);
  CHECK(views().AccountsPage("zz", 5).error().code == ErrorCode::kInvalidField);
  CHECK(views().AccountsPage("", 0).error().code == ErrorCode::kInvalidField);
  CHECK(views().ContractView(id).error().code == ErrorCode::kNotFound);
  CHECK(views().ContractView("").error().code == ErrorCode::kInvalidField);
  auto empty = views().AccountsPage("", 5);
  REQUIRE(empty.ok());
  CHECK(empty->ToJson("accounts") == json{{"accounts", json::array()}, {"next", nullptr}});
  auto figures = views().Figures();
  REQUIRE(figures.ok());
  CHECK(figures->ToJson()["minted"] == 0);
  CHECK(figures->contracts_open() == 0);
}

}  // namespace tollstream::test
