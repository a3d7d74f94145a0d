// Hostile input to both nodes: the broadcaster's API and the viewer's local
// server. Each gets a clear error, the node stays up, the contract in
// progress is untouched and the ledger is unchanged.
#include <map>

#include "tests/peer/hand_viewer.h"
#include "tests/support/mutations.h"

namespace tollstream::test {

TEST_CASE("the broadcaster refuses hostile input to every method; nothing changes") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 10);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  // The viewer holds segment 0 unpaid for as long as the barrage below takes
  // (its length grows with a slow machine), a silence the broadcaster's
  // receipt timeout would rightly end; that rule is not the subject here.
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", hls, "--receipt-timeout", "3600"},
                                 dir / "b.log");
  HandViewer v(t, "demo", 100);
  std::string id = v.Open(5);
  auto first = v.Ask(v.receipt);  // segment 0 is delivered, pending
  REQUIRE(first.kind == BroadcasterClient::Delivery::Kind::kSegment);
  Contract offer = v.contract;
  offer.terms.nonce = RandomHex(16);
  SignAsViewer(offer, v.party.key);
  Receipt paying = v.receipt;
  v.Pay(first);
  std::swap(paying, v.receipt);  // the receipt that pays segment 0, not yet sent
  json before = v.ContractState();

  struct Method {
    std::string name;
    json params;
    std::set<std::string> optional;
  };
  std::vector<Method> methods = {
      {"stream", {{"stream", "demo"}}, {}},
      {"probe", {{"size", 1024}}, {}},
      {"offer", {{"contract", offer.ToJson()}, {"from", 0}}, {"params.from"}},
      {"segment", {{"contract", id}, {"receipt", paying.ToJson()}}, {}},
      {"close", {{"contract", id}, {"receipt", paying.ToJson()}}, {}},
  };
  httplib::Client http(broadcaster.url);
  size_t tried = 0, refused = 0;
  std::map<std::string, size_t> by_code;
  for (const auto& m : methods) {
    json valid =
        SignRequest(v.party.key, m.name, v.tracker_key, m.params, UnixNow(), RandomHex(16));
    for (const auto& mutation : MutateRequest(valid, v.party.key, m.optional)) {
      CAPTURE(m.name);
      CAPTURE(mutation.name);
      ++tried;
      auto res = http.Post("/v1/" + m.name, mutation.body, "application/json");
      REQUIRE(res);
      CHECK(res->status == 400);
      auto answer = ParseResponse(res->body, v.broadcaster, std::nullopt);
      REQUIRE_MESSAGE(answer.ok(), res->body);
      if (answer->error) {
        ++refused;
        ++by_code[std::string(CodeName(answer->error->code))];
      }
    }
    ++tried;
    auto big = http.Post("/v1/" + m.name, std::string(70 * 1024, ' '), "application/json");
    REQUIRE(big);
    CHECK(big->status == 413);
    refused += big->status == 413;
  }
  // A request by a stranger for the viewer's contract.
  Party stranger;
  json theirs =
      SignRequest(stranger.key, "segment", v.tracker_key,
                  {{"contract", id}, {"receipt", paying.ToJson()}}, UnixNow(), RandomHex(16));
  auto res = http.Post("/v1/segment", theirs.dump(), "application/json");
  ++tried;
  CHECK(res->status == 403);
  refused += res->status == 403;

  CHECK(broadcaster.process.running());
  CHECK(v.ContractState() == before);  // still open, nothing paid
  // The honest viewer carries on where it was.
  v.receipt = paying;
  auto next = v.Ask(v.receipt);
  REQUIRE(next.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(next.statement.seq == 1);
  CHECK(refused == tried);
  std::string codes;
  for (const auto& [code, n] : by_code) codes += " " + code + "=" + std::to_string(n);
  MESSAGE("broadcaster: bad inputs tried ", tried, ", refused ", refused, ";", codes);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("the viewer's local server answers junk with 404 and keeps serving") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 4);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "news.en", 1, {"--hls-dir", hls}, dir / "b.log");
  ViewerProcess viewer(t, c, "news.en", 100, {}, dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("settled: ", 60s).has_value());
  std::string base = viewer.playlist_url.substr(0, viewer.playlist_url.find('/', 7));
  httplib::Client http(base);
  size_t tried = 0;
  for (const char* path :
       {"/newsXen.m3u8", "/news.en/99999999999999999999.ts", "/news.en/18446744073709551616.ts",
        "/news.en/5.ts", "/news.en/../../etc/passwd", "/news.en/%2e%2e/x.ts", "/news.en/-1.ts",
        "/other.m3u8", "/news.en/0.ts.part", "/v1/segment"}) {
    CAPTURE(path);
    ++tried;
    auto res = http.Get(path);
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  for (const char* path : {"/news.en.m3u8", "/news.en/0.ts"}) {
    ++tried;
    auto res = http.Post(path, "x", "text/plain");
    REQUIRE(res);
    CHECK(res->status == 404);
  }
  CHECK(http.Get("/news.en.m3u8")->status == 200);
  CHECK(http.Get("/news.en/0.ts")->status == 200);
  CHECK(viewer.process.running());
  MESSAGE("viewer: bad requests tried ", tried, ", all answered 404");
}

}  // namespace tollstream::test
