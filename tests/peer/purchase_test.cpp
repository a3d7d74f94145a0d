// The pure parts of a viewer's purchase, without processes or network: the
// check of a seller's answer to an offer (the terms both signed, the
// tracker's confirmation), how long a contract lives, and the receipt book
// that checks each delivered segment and pays it.
#include "peer/watch/purchase.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/base/hex.h"
#include "common/wire/signing.h"
#include "peer/watch/receipt_book.h"

namespace tollstream {
namespace {

struct Parties {
  KeyPair tracker = KeyPair::Generate();
  KeyPair viewer = KeyPair::Generate();
  KeyPair seller = KeyPair::Generate();
  KeyPair stranger = KeyPair::Generate();

  Contract Offered(uint64_t price = 4, std::string nonce = std::string(32, 'b')) const {
    Contract c;
    c.terms = ContractTerms{tracker.public_key(),
                            viewer.public_key(),
                            seller.public_key(),
                            std::string(64, 'c'),
                            std::string(64, 'd'),
                            "news",
                            price,
                            10,
                            2'000'000'000,
                            nonce,
                            {}};
    SignAsViewer(c, viewer);
    return c;
  }
  // The tracker's signed answer to openContract for contract `id`.
  json Confirmation(const Hash256& id, const KeyPair& by, std::string method = "openContract",
                    std::string state = "open") const {
    json body = ResponseBody(method, by.public_key(), std::nullopt, 1000, 200,
                             {{"contract", ToHex(id)}, {"state", state}});
    SignInPlace(SignedKind::kResponse, by, body);
    return body;
  }
  // A seller's whole answer to the offer of `c`.
  json Answer(Contract c) const {
    SignAsBroadcaster(c, seller);
    return {{"contract", c.ToJson()}, {"confirmation", Confirmation(c.id, tracker)}, {"from", 3}};
  }
};

TEST_CASE("a seller's answer to an offer: the terms both signed and confirmed open") {
  Parties p;
  Contract offered = p.Offered();
  Status good = CheckOpened(p.Answer(offered), offered, p.tracker.public_key());
  CHECK_MESSAGE(good.ok(), (good.ok() ? "" : good.error().message));

  struct Case {
    std::string name;
    std::function<void(json&)> change;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"no from", [](json& a) { a.erase("from"); }, "lacks the contract"},
      {"no confirmation", [](json& a) { a.erase("confirmation"); }, "lacks the contract"},
      {"only the viewer's signature", [&](json& a) { a["contract"] = offered.ToJson(); }, ""},
      {"other terms", [&](json& a) { a["contract"] = p.Answer(p.Offered(5))["contract"]; },
       "other terms than offered"},
      {"confirmed by another key",
       [&](json& a) { a["confirmation"] = p.Confirmation(offered.id, p.stranger); }, ""},
      {"a confirmation of another method",
       [&](json& a) { a["confirmation"] = p.Confirmation(offered.id, p.tracker, "contract"); },
       "does not show this contract open"},
      {"a contract not open",
       [&](json& a) {
         a["confirmation"] = p.Confirmation(offered.id, p.tracker, "openContract", "closed");
       },
       "does not show this contract open"},
      {"another contract confirmed",
       [&](json& a) { a["confirmation"] = p.Confirmation(p.Offered(5).id, p.tracker); },
       "does not show this contract open"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    json answer = p.Answer(offered);
    c.change(answer);
    Status s = CheckOpened(answer, offered, p.tracker.public_key());
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("a contract lives twice its playing time and ten minutes more, within bounds") {
  CHECK(ContractLifetime(100, 2, 3600) == 1000);
  CHECK(ContractLifetime(0, 2, 3600) == 600);
  CHECK(ContractLifetime(1000, 2, 3600) == 3600);  // the tracker's longest
  CHECK(ContractLifetime(1, 60, 100) == 100);
  CHECK(ContractLifetime(uint64_t{1} << 62, 60, 86400) == 86400);  // no overflow
}

TEST_CASE("a contract buys what its lock and opening charge leave whole") {
  // price, budget left, most -> segments
  CHECK(ContractSegments(300, 3, 100) == 99);   // 99 locked, 1 charged
  CHECK(ContractSegments(300, 3, 50) == 50);    // at most `most`
  CHECK(ContractSegments(302, 3, 1000) == 99);  // whole segments only
  CHECK(ContractSegments(6, 3, 100) == 1);      // the charge and one segment
  CHECK(ContractSegments(5, 3, 100) == 0);      // not even that
  CHECK(ContractSegments(0, 3, 100) == 0);
  CHECK(ContractSegments(0, 0, 100) == 100);  // free: the budget is no limit
  CHECK(ContractSegments(0, 0, 5'000'000) == 1'000'000);
}

TEST_CASE("the receipt book pays each checked segment, and nothing else") {
  Parties p;
  Contract c = p.Offered(/*price=*/4);
  ReceiptBook book(c, p.viewer);
  CHECK(book.receipt().segments == 0);
  CHECK(book.receipt().chain == c.id);
  CHECK(ParseReceipt(book.receipt().ToJson()).ok());  // the zero receipt is signed
  book.StartAt(7);

  SegmentStatement seven = SignSegment(p.seller, "news", 7, "bytes of seven", 2000);
  REQUIRE(book.Pay(seven, "bytes of seven").ok());
  CHECK(book.receipt().segments == 1);
  CHECK(book.receipt().bytes == 14);
  CHECK(book.receipt().amount == 4);
  CHECK(book.receipt().chain == ExtendChain(c.id, seven.sha256));
  CHECK(book.next_seq() == 8);
  auto parsed = ParseReceipt(book.receipt().ToJson());
  REQUIRE(parsed.ok());
  CHECK(parsed->viewer == p.viewer.public_key());

  struct Case {
    std::string name;
    SegmentStatement statement;
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> refused = {
      {"other bytes than signed", SignSegment(p.seller, "news", 8, "signed", 2000), "sent", ""},
      {"another stream", SignSegment(p.seller, "sports", 8, "x", 2000), "x", "of stream sports"},
      {"an earlier segment", SignSegment(p.seller, "news", 6, "x", 2000), "x",
       "segment 6 came where 8 was due"},
      {"the same segment again", SignSegment(p.seller, "news", 7, "x", 2000), "x",
       "segment 7 came where 8 was due"},
  };
  for (const Case& r : refused) {
    CAPTURE(r.name);
    Status s = book.Pay(r.statement, r.bytes);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::kBadSignature);
    CHECK(s.error().message.find(r.message) != std::string::npos);
    CHECK(book.receipt().segments == 1);
    CHECK(book.next_seq() == 8);
  }
  // A later segment than due is a skip, paid.
  SegmentStatement ten = SignSegment(p.seller, "news", 10, "ten", 2000);
  REQUIRE(book.Pay(ten, "ten").ok());
  CHECK(book.receipt().segments == 2);
  CHECK(book.receipt().amount == 8);
  CHECK(book.next_seq() == 11);
}

}  // namespace
}  // namespace tollstream
