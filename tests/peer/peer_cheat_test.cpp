// Cheating on either side costs the honest side at most one segment.
#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "common/protocol/segment.h"
#include "tests/peer/hand_viewer.h"
#include "tests/peer/tampering_proxy.h"

namespace tollstream::test {

TEST_CASE(
    "a viewer that stops sending receipts gets one more segment; the contract closes at its last "
    "receipt") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 20);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 3, {"--hls-dir", hls, "--receipt-timeout", "2"},
                                 dir / "b.log");
  HandViewer v(t, "demo", 300);
  v.Open(10);

  std::vector<BroadcasterClient::Delivery> got;
  for (int i = 0; i < 3; ++i) {  // receipts for 0, 1, then 2 segments
    auto d = v.Ask(v.receipt);
    REQUIRE(d.kind == BroadcasterClient::Delivery::Kind::kSegment);
    CHECK(d.statement.seq == static_cast<uint64_t>(i));
    got.push_back(d);
    if (i < 2) v.Pay(d);
  }
  // Segment 2 is delivered, unpaid. Asking again without paying for it gets
  // the same segment again, never a further one.
  auto again = v.Ask(v.receipt);
  REQUIRE(again.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(again.statement.seq == 2);
  CHECK(again.bytes == got[2].bytes);

  // Now the viewer goes quiet: after the receipt timeout the broadcaster
  // closes with the last valid receipt (2 segments).
  json closed = WaitForState(v, "closed", 20s);
  CHECK(closed["state"] == "closed");
  CHECK(closed["segments"] == 2);
  CHECK(closed["paid"] == 6);
  CHECK(closed["chain"] == ToHex(v.receipt.chain));
  CHECK(broadcaster.process.WaitForLine("contract " + ToHex(v.contract.id) + " closed: paid 6", 10s)
            .has_value());
  auto after = v.node->NextSegment(ToHex(v.contract.id), v.receipt);
  CHECK_FALSE(after.ok());
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a viewer that opens a contract per segment and never sends a receipt pays the list price per "
    "segment: the opening charge") {
  constexpr uint64_t kContracts = 30;
  constexpr uint64_t kPrice = 3;
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, static_cast<int>(2 * kContracts));  // 2 s segments
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", kPrice, {"--hls-dir", hls, "--receipt-timeout", "1"},
                                 dir / "b.log");
  // Enough for every contract's lock and charge at once.
  HandViewer v(t, "demo", kContracts * 2 * kPrice);

  // Each contract takes one segment, the next one, and is never paid for.
  std::vector<std::string> ids;
  uint64_t delivered = 0;
  for (uint64_t seq = 0; seq < kContracts; ++seq) {
    ids.push_back(v.Open(1, seq));
    auto d = v.Ask(v.receipt);
    REQUIRE(d.kind == BroadcasterClient::Delivery::Kind::kSegment);
    CHECK(d.statement.seq == seq);
    delivered += 1;
  }
  // The broadcaster closes each at its receipt timeout with no segment paid;
  // what the seller keeps is the opening charges.
  uint64_t paid = 0, charged = 0;
  for (const auto& id : ids) {
    json c = WaitForState(v, "closed", 30s, id);
    REQUIRE(c["state"] == "closed");
    CHECK(c["segments"] == 0);
    paid += c["paid"].get<uint64_t>();
    charged += c["charged"].get<uint64_t>();
  }
  json income = *v.party.client->Call("account", {{"address", v.income}});
  uint64_t earned = income["balance"];
  CHECK(earned == paid + charged);
  MESSAGE("cheating attempts: " << kContracts << " free-loading contracts took " << delivered
                                << " segments; the seller earned " << earned << " ("
                                << static_cast<double>(earned) / static_cast<double>(delivered)
                                << " per segment, list price " << kPrice << ")");
  CHECK(earned >= delivered * kPrice);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a replayed request changes nothing; a repeated offer gets the first answer") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 10);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", hls}, dir / "b.log");
  HandViewer v(t, "demo", 100);
  std::string id = v.Open(5);
  auto again = v.node->Offer(v.contract, 0);  // the answer to the first offer was "lost"
  REQUIRE_MESSAGE(again.ok(), again.error().message);
  CHECK(ToHex(ParseContract((*again)["contract"], ContractSigs::kBoth)->id) == id);

  // Someone who saw the viewer's first request sends it again later.
  json first = v.node->MakeRequest("segment", {{"contract", id}, {"receipt", v.receipt.ToJson()}});
  auto sent = v.node->Post("segment", first.dump());
  REQUIRE(sent.ok());
  auto d0 = ParseSegmentStatement(sent->header);
  REQUIRE(d0.ok());
  BroadcasterClient::Delivery delivered{BroadcasterClient::Delivery::Kind::kSegment, *d0,
                                        sent->body, nullptr};
  v.Pay(delivered);
  auto d1 = v.Ask(v.receipt);  // the viewer goes on: segment 1
  REQUIRE(d1.kind == BroadcasterClient::Delivery::Kind::kSegment);
  auto replay = v.node->Post("segment", first.dump());
  REQUIRE(replay.ok());
  CHECK(replay->status == 409);
  CHECK(replay->body.find("\"duplicate\"") != std::string::npos);
  CHECK(v.ContractState()["state"] == "open");  // the replay closed nothing
  v.Pay(d1);
  auto d2 = v.Ask(v.receipt);
  CHECK(d2.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(d2.statement.seq == 2);
}

TEST_CASE("receipts that do not match the delivery end the contract at the last valid one") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 10);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", hls}, dir / "b.log");
  HandViewer v(t, "demo", 400);
  // Each builds a receipt from the paid one (1 segment) and the delivered,
  // unpaid second segment.
  using Delivery = BroadcasterClient::Delivery;
  struct Case {
    const char* name;
    std::function<Receipt(Receipt, const Delivery&)> cheat;
  };
  std::vector<Case> cases = {
      {"a lower count than delivered",
       [](Receipt r, const Delivery&) {
         r.segments = 0;
         r.bytes = 0;
         r.amount = 0;
         r.chain = r.contract;
         return r;
       }},
      {"a broken hash chain",
       [](Receipt r, const Delivery& d) {
         r.segments += 1;
         r.bytes += d.bytes.size();
         r.amount = r.segments * 2;
         r.chain = Sha256(std::string_view("made up"));
         return r;
       }},
      {"fewer bytes than delivered",
       [](Receipt r, const Delivery& d) {
         r.segments += 1;
         r.bytes += d.bytes.size() - 1;
         r.amount = r.segments * 2;
         r.chain = ExtendChain(r.chain, d.statement.sha256);
         return r;
       }},
      {"an amount above the lock",
       [](Receipt r, const Delivery& d) {
         r.segments += 1;
         r.bytes += d.bytes.size();
         r.amount = 5 * 2 + 1;
         r.chain = ExtendChain(r.chain, d.statement.sha256);
         return r;
       }},
      {"a receipt for a segment not yet delivered",
       [](Receipt r, const Delivery& d) {
         r.segments += 2;
         r.bytes += 2 * d.bytes.size();
         r.amount = r.segments * 2;
         r.chain = ExtendChain(ExtendChain(r.chain, d.statement.sha256), d.statement.sha256);
         return r;
       }},
  };
  for (const auto& k : cases) {
    CAPTURE(k.name);
    v.Open(5);
    auto first = v.Ask(v.receipt);
    v.Pay(first);
    auto second = v.Ask(v.receipt);  // paid 1, segment 2 pending
    REQUIRE(second.kind == Delivery::Kind::kSegment);
    Receipt bad = k.cheat(v.receipt, second);
    SignReceipt(bad, v.party.key);
    auto refused = v.node->NextSegment(ToHex(v.contract.id), bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kConflict);
    MESSAGE(refused.error().message);
    json state = v.ContractState();
    CHECK(state["state"] == "closed");
    CHECK(state["segments"] == 1);  // the last valid receipt
    CHECK(state["paid"] == 2);
  }
  // A receipt for another contract id is refused too.
  v.Open(5);
  Receipt foreign = v.receipt;
  foreign.contract = Sha256(std::string_view("another contract"));
  SignReceipt(foreign, v.party.key);
  CHECK_FALSE(v.node->NextSegment(ToHex(v.contract.id), foreign).ok());
  CHECK(WaitForState(v, "closed", 10s)["paid"] == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a tampered segment is caught by its signature and not paid for") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 12);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  // The broadcaster's announced URL leads through a proxy that alters segment 3.
  TamperingProxy proxy(3);
  BroadcasterProcess broadcaster(t, b, "demo", 4,
                                 {"--hls-dir", hls, "--advertise-url", proxy.url()}, dir / "b.log");
  proxy.SetTarget(broadcaster.url);
  ViewerProcess viewer(t, c, "demo", 100, {"--exit-at-end"}, dir / "c.log");
  CHECK_MESSAGE(viewer.process.Wait(90s) == 0, ReadWholeFile(dir / "c.log").value_or(""));
  std::string out = viewer.process.output();
  CHECK(out.find("ALERT the broadcaster misbehaved") != std::string::npos);
  CHECK(out.find("segment 3: the bytes received do not match") != std::string::npos);
  CHECK(proxy.tampered >= 1);
  // Three segments and the opening charge, one segment's price.
  CHECK(out.find("settled: paid 16 for 3 segments, returned 84") != std::string::npos);
  CHECK(Balance(t, c.address()) == 84);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
