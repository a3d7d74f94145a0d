// The tracker as a real process on loopback, driven over HTTP.
#include "common/client/tracker_api.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <map>
#include <thread>
#include <tuple>
#include <vector>

#include "common/base/clock.h"
#include "common/protocol/address_text.h"
#include "common/wire/signing.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

// Sends `body` raw and returns {HTTP status, parsed answer (signature checked)}.
std::pair<int, Response> Raw(TrackerFixture& t, const std::string& path, const std::string& body) {
  httplib::Client http(t.url());
  auto res = http.Post(path, body, "application/json");
  REQUIRE(res);
  auto parsed = ParseResponse(res->body, t.tracker_key().public_key(), std::nullopt);
  REQUIRE_MESSAGE(parsed.ok(), res->body);
  CHECK(parsed->status == res->status);
  return {res->status, *parsed};
}

uint64_t BalanceOf(TrackerClient& c, const std::string& address) {
  auto r = c.Call("account", {{"address", address}});
  REQUIRE(r.ok());
  return (*r)["balance"].get<uint64_t>();
}

}  // namespace

TEST_CASE("a whole contract cycle over HTTP, with exact balances") {
  TrackerFixture t;
  Party b, c;
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  PublicKey tracker = *b.client->tracker();
  CHECK(tracker == t.tracker_key().public_key());

  // The operator mints with the CLI.
  auto [mint_status, mint_out] =
      RunCommand({BinaryPath("tracker"), "mint", "--data-dir", t.data_dir(), "--tracker", t.url(),
                  "--to", AddressText(c.address()), "--amount", "1000"});
  REQUIRE(mint_status == 0);
  CHECK(json::parse(mint_out)["minted"] == 1000);

  auto income = b.client->Call("getIncomeAddress", json::object());
  REQUIRE(income.ok());
  auto spend = c.client->Call("getSpendAddress", {{"deposit", 400}});
  REQUIRE(spend.ok());
  CHECK((*spend)["balance"] == 400);
  CHECK(BalanceOf(*c.client, c.address()) == 600);

  Contract k = SignedContract(c, b, tracker, (*spend)["address"], (*income)["address"], 3, 100,
                              UnixNow() + 600);
  auto opened = b.client->Call("openContract", {{"contract", k.ToJson()}});
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  CHECK((*opened)["lock"] == 300);
  CHECK((*opened)["charged"] == 3);  // one segment's price, the broadcaster's at once
  auto info = c.client->Call("contract", {{"id", ToHex(k.id)}});
  REQUIRE(info.ok());
  CHECK((*info)["state"] == "open");
  // Listed open under both its addresses, and under no other.
  for (const std::string address : {(*income)["address"], (*spend)["address"]}) {
    auto listed = c.client->Call("openContracts", {{"address", address}});
    REQUIRE_MESSAGE(listed.ok(), listed.error().message);
    REQUIRE((*listed)["contracts"].size() == 1);
    CHECK((*listed)["contracts"][0]["id"] == ToHex(k.id));
    CHECK((*listed)["next"].is_null());
  }
  CHECK((*c.client->Call("openContracts", {{"address", c.address()}}))["contracts"].empty());

  Receipt r = SignedReceipt(c, k, 40, 40 * 1024);
  auto closed =
      b.client->Call("closeContract", {{"contract", ToHex(k.id)}, {"receipt", r.ToJson()}});
  REQUIRE_MESSAGE(closed.ok(), closed.error().message);
  CHECK((*closed)["paid"] == 120);
  auto after = b.client->Call("openContracts", {{"address", (*income)["address"]}});
  REQUIRE(after.ok());
  CHECK((*after)["contracts"].empty());

  auto out_b = b.client->Call("closeIncomeAddress", {{"address", (*income)["address"]}});
  auto out_c = c.client->Call("closeSpendAddress", {{"address", (*spend)["address"]}});
  REQUIRE(out_b.ok());
  REQUIRE(out_c.ok());
  CHECK(BalanceOf(*c.client, b.address()) == 123);
  CHECK(BalanceOf(*c.client, c.address()) == 877);
  auto summary = c.client->Call("summary", json::object());
  REQUIRE(summary.ok());
  CHECK((*summary)["minted"] == 1000);
  CHECK((*summary)["paid"] == 120);
  CHECK((*summary)["bytes"] == 40 * 1024);

  auto [audit_status, audit_out] = t.Audit(/*running=*/true);
  CHECK(audit_status == 0);
  CHECK(json::parse(audit_out)["ok"] == true);
}

TEST_CASE("a contract with renditions over HTTP: each segment paid at its rendition's price") {
  TrackerFixture t;
  Party b, c;
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  t.Mint(c.address(), 1000);
  auto income = TrackerApi(*b.client).GetIncomeAddress();
  auto spend = TrackerApi(*c.client).GetSpendAddress(500);
  REQUIRE(income.ok());
  REQUIRE(spend.ok());
  PublicKey tracker = t.tracker_key().public_key();
  Contract k = SignedContract(c, b, tracker, *spend, *income, 8, 30, UnixNow() + 600);
  // The price must be the top rendition's: terms that say otherwise are refused.
  SetRenditions(k, c, b, {{"1080p", 9}, {"360p", 2}});
  auto refused = b.client->Call("openContract", {{"contract", k.ToJson()}});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kInvalidField);
  CHECK(refused.error().message ==
        "params.contract.terms.price must be the highest of its renditions' prices, 9");
  SetRenditions(k, c, b, {{"1080p", 8}, {"720p", 4}, {"360p", 2}});
  auto opened = b.client->Call("openContract", {{"contract", k.ToJson()}});
  REQUIRE_MESSAGE(opened.ok(), opened.error().message);
  CHECK((*opened)["lock"] == 240);
  CHECK((*opened)["charged"] == 8);

  // A receipt that prices every segment at the lowest rendition is refused.
  Receipt cheap = SignedMixedReceipt(c, k, {3, 4, 5}, 12'000);
  cheap.amount = 12 * 2;
  SignReceipt(cheap, c.key);
  auto wrong =
      b.client->Call("closeContract", {{"contract", ToHex(k.id)}, {"receipt", cheap.ToJson()}});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().code == ErrorCode::kInvalidField);
  CHECK(wrong.error().message ==
        "params.receipt.amount must be the sum of each rendition's count x price = 50");
  auto closed = b.client->Call("closeContract",
                               {{"contract", ToHex(k.id)},
                                {"receipt", SignedMixedReceipt(c, k, {3, 4, 5}, 12'000).ToJson()}});
  REQUIRE_MESSAGE(closed.ok(), closed.error().message);
  CHECK((*closed)["paid"] == 3 * 8 + 4 * 4 + 5 * 2);
  CHECK(*TrackerApi(*c.client).Balance(*income) == 8 + 50);
  auto [audit_status, audit_out] = t.Audit(/*running=*/true);
  CHECK(audit_status == 0);
  CHECK(json::parse(audit_out)["ok"] == true);
}

TEST_CASE("every error class, each signed, none changing the ledger") {
  TrackerFixture t;
  Party a, other;
  a.client = t.NewClient(a.key);
  other.client = t.NewClient(other.key);
  t.Mint(a.address(), 100);
  PublicKey tracker = *a.client->tracker();
  auto transfer = [&](json params) { return a.client->MakeRequest("transfer", std::move(params)); };
  json good = transfer({{"to", other.address()}, {"amount", 1}});
  auto [before_status, before] =
      Raw(t, "/v1/summary", a.client->MakeRequest("summary", json::object()).dump());
  REQUIRE(before_status == 200);

  struct Case {
    std::string name;
    std::string path;
    std::string body;
    int status;
    std::string code;
  };
  json changed_after_signing = good;
  changed_after_signing["params"]["amount"] = 50;
  json other_signer = good;
  other_signer["pubkey"] = other.key.public_key().ToHex();
  json wrong_tracker =
      SignRequest(a.key, "transfer", KeyPair::Generate().public_key(),
                  {{"to", other.address()}, {"amount", 1}}, UnixNow(), RandomHex(16));
  json stale = SignRequest(a.key, "transfer", tracker, {{"to", other.address()}, {"amount", 1}},
                           UnixNow() - 3600, RandomHex(16));
  json future = SignRequest(a.key, "transfer", tracker, {{"to", other.address()}, {"amount", 1}},
                            UnixNow() + 3600, RandomHex(16));
  json version = good;
  version["v"] = 2;
  json as_receipt = good;  // a receipt-kind signature over the same bytes
  as_receipt["sig"] = ToHex(a.key.Sign(DigestOf(SignedKind::kReceipt, good)));
  std::vector<Case> cases = {
      {"malformed JSON", "/v1/transfer", "{\"v\":1,", 400, "malformed_json"},
      {"not an object", "/v1/transfer", "[1,2]", 400, "invalid_field"},
      {"duplicate key", "/v1/transfer", R"({"v":1,"v":1})", 400, "malformed_json"},
      {"negative amount", "/v1/transfer",
       transfer({{"to", other.address()}, {"amount", -5}}).dump(), 400, "invalid_field"},
      {"fractional amount", "/v1/transfer",
       transfer({{"to", other.address()}, {"amount", 1.5}}).dump(), 400, "invalid_field"},
      {"1.0 signed as 1", "/v1/transfer",
       [&] {
         std::string text = transfer({{"to", other.address()}, {"amount", 1}}).dump();
         return text.replace(text.find("\"amount\":1"), 10, "\"amount\":1.0");
       }(),
       400, "invalid_field"},
      {"amount over 2^53-1", "/v1/transfer",
       transfer({{"to", other.address()}, {"amount", uint64_t{1} << 53}}).dump(), 400,
       "invalid_field"},
      {"amount as string", "/v1/transfer",
       transfer({{"to", other.address()}, {"amount", "1"}}).dump(), 400, "invalid_field"},
      {"zero amount", "/v1/transfer", transfer({{"to", other.address()}, {"amount", 0}}).dump(),
       400, "invalid_field"},
      {"short address", "/v1/transfer",
       transfer({{"to", other.address().substr(2)}, {"amount", 1}}).dump(), 400, "invalid_field"},
      {"uppercase address", "/v1/transfer",
       transfer({{"to", std::string(64, 'A')}, {"amount", 1}}).dump(), 400, "invalid_field"},
      {"missing field", "/v1/transfer", transfer({{"to", other.address()}}).dump(), 400,
       "invalid_field"},
      {"extra field", "/v1/transfer",
       transfer({{"to", other.address()}, {"amount", 1}, {"memo", "x"}}).dump(), 400,
       "invalid_field"},
      {"changed after signing", "/v1/transfer", changed_after_signing.dump(), 400, "bad_signature"},
      {"signed by another key", "/v1/transfer", other_signer.dump(), 400, "bad_signature"},
      {"another kind's signature", "/v1/transfer", as_receipt.dump(), 400, "bad_signature"},
      {"for another tracker", "/v1/transfer", wrong_tracker.dump(), 400, "wrong_tracker"},
      {"stale", "/v1/transfer", stale.dump(), 400, "stale_request"},
      {"from the future", "/v1/transfer", future.dump(), 400, "stale_request"},
      {"unsupported version", "/v1/transfer", version.dump(), 400, "unsupported_version"},
      {"sent to another method", "/v1/mint", good.dump(), 400, "invalid_field"},
      {"mint by a client", "/v1/mint",
       a.client->MakeRequest("mint", {{"to", a.address()}, {"amount", 5}}).dump(), 403,
       "forbidden"},
      {"unknown route", "/v1/steal", good.dump(), 404, "not_found"},
      {"not an address", "/v1/openContracts",
       a.client->MakeRequest("openContracts", {{"address", "xyz"}}).dump(), 400, "invalid_field"},
      {"a page too long", "/v1/openContracts",
       a.client->MakeRequest("openContracts", {{"address", a.address()}, {"limit", 501}}).dump(),
       400, "invalid_field"},
      {"unknown contract", "/v1/contract",
       a.client->MakeRequest("contract", {{"id", std::string(64, '0')}}).dump(), 404, "not_found"},
      {"overdraw", "/v1/transfer", transfer({{"to", other.address()}, {"amount", 101}}).dump(), 409,
       "insufficient_funds"},
      {"body too large", "/v1/transfer", std::string(70000, ' '), 413, "body_too_large"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto [status, answer] = Raw(t, c.path, c.body);
    CHECK(status == c.status);
    REQUIRE(answer.error.has_value());
    CHECK(CodeName(answer.error->code) == c.code);
    CHECK_FALSE(answer.error->message.empty());
  }
  CHECK(BalanceOf(*a.client, a.address()) == 100);
  CHECK(BalanceOf(*a.client, other.address()) == 0);
  auto [after_status, after] =
      Raw(t, "/v1/summary", a.client->MakeRequest("summary", json::object()).dump());
  CHECK(after.result == before.result);
  CHECK(t.process().running());
  auto [audit_status, audit_out] = t.Audit(/*running=*/true);
  CHECK(audit_status == 0);
}

TEST_CASE("a retried request gets the first answer and is applied once") {
  TrackerFixture t;
  Party a, b;
  a.client = t.NewClient(a.key);
  b.client = t.NewClient(b.key);
  t.Mint(a.address(), 100);
  json body = a.client->MakeRequest("transfer", {{"to", b.address()}, {"amount", 10}});
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto first = a.client->Send("transfer", body.dump(), id);
  auto second = a.client->Send("transfer", body.dump(), id);
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  CHECK(first->status == 200);
  CHECK(second->result == first->result);
  CHECK(second->ts == first->ts);
  CHECK(BalanceOf(*a.client, b.address()) == 10);

  // The same nonce on other content, properly signed, is refused.
  json reuse =
      SignRequest(a.key, "transfer", *a.client->tracker(), {{"to", b.address()}, {"amount", 20}},
                  body["ts"].get<int64_t>(), body["nonce"].get<std::string>());
  auto refused = a.client->Send("transfer", reuse.dump(), DigestOf(SignedKind::kRequest, reuse));
  REQUIRE(refused.ok());
  CHECK(refused->status == 409);
  CHECK(refused->error->code == ErrorCode::kDuplicate);
  CHECK(BalanceOf(*a.client, b.address()) == 10);

  // A refusal is an answer too: the retry of an overdraft stays refused.
  json overdraw = a.client->MakeRequest("transfer", {{"to", b.address()}, {"amount", 1000}});
  auto r1 = a.client->Send("transfer", overdraw.dump(), DigestOf(SignedKind::kRequest, overdraw));
  t.Mint(a.address(), 5000);
  auto r2 = a.client->Send("transfer", overdraw.dump(), DigestOf(SignedKind::kRequest, overdraw));
  CHECK(r1->status == 409);
  CHECK(r2->status == 409);
  CHECK(BalanceOf(*a.client, b.address()) == 10);
}

TEST_CASE("answers are signed by the tracker and bound to the request") {
  TrackerFixture t;
  Party a;
  a.client = t.NewClient(a.key);
  json body = a.client->MakeRequest("account", {{"address", a.address()}});
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  httplib::Client http(t.url());
  auto res = http.Post("/v1/account", body.dump(), "application/json");
  REQUIRE(res);
  json answer = json::parse(res->body);
  CHECK(answer["pubkey"] == t.tracker_key().public_key().ToHex());
  CHECK(answer["request"] == ToHex(id));
  auto sig = FromHexFixed<64>(answer["sig"].get<std::string>());
  CHECK(t.tracker_key().public_key().Verify(DigestOf(SignedKind::kResponse, answer), *sig));
  answer["result"]["balance"] = 999;
  CHECK_FALSE(t.tracker_key().public_key().Verify(DigestOf(SignedKind::kResponse, answer), *sig));
  // The client library refuses an answer to another request.
  CHECK_FALSE(
      ParseResponse(res->body, t.tracker_key().public_key(), Sha256(std::string_view("x"))).ok());
}

TEST_CASE("a client's calls share one connection: 60 signed calls, one TCP connection") {
  TrackerFixture t;
  Party a;
  a.client = t.NewClient(a.key);
  httplib::Client http(t.url());
  http.set_keep_alive(true);
  int connections = 0;
  http.set_socket_options([&connections](socket_t) { ++connections; });
  int answered = 0;
  for (int i = 0; i < 60; ++i) {
    json body = a.client->MakeRequest("account", {{"address", a.address()}});
    auto res = http.Post("/v1/account", body.dump(), "application/json");
    REQUIRE(res);
    if (res->status == 200 && res->get_header_value("Connection") != "close") ++answered;
  }
  CHECK(answered == 60);
  CHECK(connections == 1);
}

TEST_CASE("data survives a restart; the audit reads a stopped tracker") {
  TrackerFixture t;
  Party a, b;
  a.client = t.NewClient(a.key);
  t.Mint(a.address(), 77);
  REQUIRE(a.client->Call("transfer", {{"to", b.address()}, {"amount", 7}}).ok());
  PublicKey key_before = t.tracker_key().public_key();
  CHECK(t.Stop() == 0);
  auto [audit_status, audit_out] = t.Audit(/*running=*/false);
  CHECK(audit_status == 0);
  CHECK(json::parse(audit_out)["minted"] == 77);
  t.Start();
  auto c = t.NewClient();
  CHECK(*c->tracker() == key_before);
  CHECK(BalanceOf(*c, a.address()) == 70);
  CHECK(BalanceOf(*c, b.address()) == 7);
  // While it runs, the data directory is locked: the audit says to ask the
  // tracker. A PostgreSQL ledger is audited while trackers serve it.
  auto [locked_status, locked_out] = t.Audit(/*running=*/false);
  CHECK(locked_status == (t.store().empty() ? 2 : 0));
}

TEST_CASE("announce and lookup: live broadcasters of a stream, cheapest first") {
  TrackerFixture t;
  Party b1, b2, c;
  b1.client = t.NewClient(b1.key);
  b2.client = t.NewClient(b2.key);
  c.client = t.NewClient(c.key);
  auto no_income = b1.client->Call(
      "announce", {{"stream", "news"}, {"url", "http://127.0.0.1:1"}, {"price", 5}, {"ttl", 30}});
  CHECK(no_income.error().code == ErrorCode::kConflict);
  REQUIRE(b1.client->Call("getIncomeAddress", json::object()).ok());
  REQUIRE(b2.client->Call("getIncomeAddress", json::object()).ok());
  REQUIRE(b1.client
              ->Call("announce",
                     {{"stream", "news"}, {"url", "http://127.0.0.1:1"}, {"price", 5}, {"ttl", 30}})
              .ok());
  auto announced = b2.client->Call(
      "announce", {{"stream", "news"}, {"url", "http://127.0.0.1:2"}, {"price", 2}, {"ttl", 5}});
  REQUIRE(announced.ok());
  CHECK((*announced)["since"].get<int64_t>() > 0);
  auto found = c.client->Call("lookup", {{"stream", "news"}});
  REQUIRE(found.ok());
  REQUIRE((*found)["broadcasters"].size() == 2);
  CHECK((*found)["broadcasters"][0]["price"] == 2);
  CHECK((*found)["broadcasters"][0]["since"] == (*announced)["since"]);
  CHECK((*found)["broadcasters"][0]["code"] == KeyCode(b2.key.public_key()));
  CHECK((*c.client->Call("lookup", {{"stream", "other"}}))["broadcasters"].empty());
  REQUIRE(b1.client
              ->Call("announce",
                     {{"stream", "news"}, {"url", "http://127.0.0.1:1"}, {"price", 5}, {"ttl", 0}})
              .ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(6000));  // b2's ttl of 5 s runs out
  CHECK((*c.client->Call("lookup", {{"stream", "news"}}))["broadcasters"].empty());
}

TEST_CASE("an announcement lists its renditions, the top price its price; lookup tells them") {
  TrackerFixture t;
  Party b, c;
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  REQUIRE(b.client->Call("getIncomeAddress", json::object()).ok());
  json renditions = json::parse(R"([{"name":"720p","height":720,"bitrate":3000000,"price":3},
                                    {"name":"360p","height":360,"bitrate":800000,"price":1}])");
  json params = {{"stream", "news"},
                 {"url", "http://127.0.0.1:1"},
                 {"price", 3},
                 {"ttl", 30},
                 {"renditions", renditions}};
  auto announced = b.client->Call("announce", params);
  REQUIRE_MESSAGE(announced.ok(), announced.error().message);
  CHECK((*announced)["renditions"] == renditions);
  // Renewed: still there.
  REQUIRE(b.client->Call("announce", params).ok());
  auto found = c.client->Call("lookup", {{"stream", "news"}});
  REQUIRE(found.ok());
  REQUIRE((*found)["broadcasters"].size() == 1);
  CHECK((*found)["broadcasters"][0]["renditions"] == renditions);

  struct Bad {
    const char* name;
    std::function<void(json&)> change;
    const char* says;
  };
  std::vector<Bad> bad = {
      {"a price not the top one's", [](json& p) { p["price"] = 4; },
       "params.price must be the highest of its renditions' prices, 3"},
      {"a name twice", [](json& p) { p["renditions"][1]["name"] = "720p"; },
       "params.renditions[1].name is listed twice"},
      {"no height", [](json& p) { p["renditions"][0].erase("height"); },
       "params.renditions[0].height is missing"},
      {"an unknown member", [](json& p) { p["renditions"][0]["codec"] = "h264"; },
       "params.renditions[0].codec"},
      {"none", [](json& p) { p["renditions"] = json::array(); }, "must hold 1 to 8 elements"},
  };
  for (const auto& [name, change, says] : bad) {
    CAPTURE(name);
    json changed = params;
    change(changed);
    auto refused = b.client->Call("announce", changed);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
    CHECK_MESSAGE(refused.error().message.find(says) != std::string::npos, refused.error().message);
  }
  // A renewal without renditions: one quality again.
  params.erase("renditions");
  REQUIRE(b.client->Call("announce", params).ok());
  found = c.client->Call("lookup", {{"stream", "news"}});
  CHECK_FALSE((*found)["broadcasters"][0].contains("renditions"));
}

TEST_CASE("streams: the directory of live streams, by name, searched without case") {
  TrackerFixture t;
  Party o1, o2, relay, c;
  for (Party* p : {&o1, &o2, &relay}) {
    p->client = t.NewClient(p->key);
    REQUIRE(p->client->Call("getIncomeAddress", json::object()).ok());
  }
  c.client = t.NewClient(c.key);
  auto announce = [](Party& p, json params) {
    if (!params.contains("ttl")) params["ttl"] = 30;
    auto answer = p.client->Call("announce", params);
    REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  };
  announce(o1, {{"stream", "Evening-News"},
                {"url", "http://127.0.0.1:1"},
                {"price", 5},
                {"title", "The evening <news>"},
                {"description", "Every day at six."}});
  announce(relay, {{"stream", "Evening-News"},
                   {"url", "http://127.0.0.1:2"},
                   {"price", 3},
                   {"origin", o1.key.public_key().ToHex()}});
  announce(o2, {{"stream", "chess"}, {"url", "http://127.0.0.1:3"}, {"price", 1}});

  auto all = c.client->Call("streams", json::object());
  REQUIRE(all.ok());
  CHECK((*all)["matched"] == 2);
  REQUIRE((*all)["streams"].size() == 2);
  const json& news = (*all)["streams"][0];  // by name: "Evening-News" < "chess" in byte order
  CHECK(news["stream"] == "Evening-News");
  CHECK(news["origin"] == o1.key.public_key().ToHex());
  CHECK(news["origin_code"] == KeyCode(o1.key.public_key()));
  CHECK(news["title"] == "The evening <news>");  // as given: pages show it escaped
  CHECK(news["description"] == "Every day at six.");
  CHECK(news["price"] == 3);  // the cheapest seller, the relay
  CHECK(news["sellers"] == 2);
  CHECK(news["origin_live"] == true);
  for (const char* query : {"EVENING", "news>", "vening-n"}) {
    CAPTURE(query);
    auto found = c.client->Call("streams", {{"query", query}});
    REQUIRE(found.ok());
    REQUIRE((*found)["streams"].size() == 1);
    CHECK((*found)["streams"][0]["stream"] == "Evening-News");
  }
  auto chess = c.client->Call("streams", {{"query", "Chess"}, {"limit", 1}});
  REQUIRE(chess.ok());
  CHECK((*chess)["streams"][0]["title"] == "");
  CHECK((*c.client->Call("streams", {{"query", "opera"}}))["streams"].empty());
  CHECK(c.client->Call("streams", {{"limit", 0}}).error().code == ErrorCode::kInvalidField);
  CHECK(c.client->Call("streams", {{"limit", 501}}).error().code == ErrorCode::kInvalidField);
  CHECK(o2.client
            ->Call("announce", {{"stream", "chess"},
                                {"url", "http://127.0.0.1:3"},
                                {"price", 1},
                                {"ttl", 30},
                                {"title", std::string(101, 't')}})
            .error()
            .code == ErrorCode::kInvalidField);
  for (const char* forged : {"Chess\nnews  code 123456  1 a segment", "\x1b[2Jchess"}) {
    CHECK(o2.client
              ->Call("announce", {{"stream", "chess"},
                                  {"url", "http://127.0.0.1:3"},
                                  {"price", 1},
                                  {"ttl", 30},
                                  {"title", forged}})
              .error()
              .code == ErrorCode::kInvalidField);
  }
  // Withdrawn: gone from the directory.
  announce(o2, {{"stream", "chess"}, {"url", "http://127.0.0.1:3"}, {"price", 1}, {"ttl", 0}});
  CHECK((*c.client->Call("streams", json::object()))["matched"] == 1);
}

TEST_CASE("streams: a stream's viewers are its open contracts with its sellers") {
  TrackerFixture t;
  Party origin, relay, c1, c2, c3;
  std::map<Party*, std::string> income;
  for (Party* p : {&origin, &relay}) {
    p->client = t.NewClient(p->key);
    auto answer = p->client->Call("getIncomeAddress", json::object());
    REQUIRE(answer.ok());
    income[p] = (*answer)["address"];
  }
  PublicKey tracker = t.tracker_key().public_key();
  auto announce = [](Party& p, json params) {
    params["ttl"] = 30;
    params["url"] = "http://127.0.0.1:1";
    params["price"] = 2;
    REQUIRE(p.client->Call("announce", params).ok());
  };
  announce(origin, {{"stream", "live"}});
  announce(origin, {{"stream", "other"}});
  announce(relay, {{"stream", "live"}, {"origin", origin.key.public_key().ToHex()}});
  auto viewers = [&c1](const std::string& stream) {
    auto found = c1.client->Call("streams", {{"query", stream}});
    REQUIRE(found.ok());
    for (const auto& e : (*found)["streams"]) {
      if (e["stream"] == stream) return e["viewers"].get<uint64_t>();
    }
    FAIL("not listed: " << stream);
    return uint64_t{0};
  };
  // c1 and c2 buy "live" (one from the origin, one from the relay); c3 buys "other".
  std::vector<Contract> opened;
  for (auto [viewer, seller, stream] :
       {std::tuple{&c1, &origin, "live"}, std::tuple{&c2, &relay, "live"},
        std::tuple{&c3, &origin, "other"}}) {
    viewer->client = t.NewClient(viewer->key);
    CHECK(viewers("live") == std::min<size_t>(opened.size(), 2));
    t.Mint(viewer->address(), 100);
    auto spend = viewer->client->Call("getSpendAddress", {{"deposit", 50}});
    REQUIRE(spend.ok());
    Contract k = SignedContract(*viewer, *seller, tracker, (*spend)["address"], income[seller], 2,
                                10, UnixNow() + 600, stream);
    REQUIRE(seller->client->Call("openContract", {{"contract", k.ToJson()}}).ok());
    opened.push_back(k);
  }
  CHECK(viewers("live") == 2);
  CHECK(viewers("other") == 1);
  // Closed: no longer a viewer.
  Receipt r = SignedReceipt(c1, opened[0], 1, 1000);
  REQUIRE(origin.client
              ->Call("closeContract", {{"contract", ToHex(opened[0].id)}, {"receipt", r.ToJson()}})
              .ok());
  CHECK(viewers("live") == 1);
}

TEST_CASE("an open contract past expiry plus grace is released by the tracker") {
  TrackerFixture t({"--grace", "1"});
  Party b, c;
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  t.Mint(c.address(), 100);
  auto income = b.client->Call("getIncomeAddress", json::object());
  auto spend = c.client->Call("getSpendAddress", {{"deposit", 100}});
  Contract k = SignedContract(c, b, *b.client->tracker(), (*spend)["address"], (*income)["address"],
                              10, 9, UnixNow() + 2);  // 90 locked, 10 charged
  REQUIRE(b.client->Call("openContract", {{"contract", k.ToJson()}}).ok());
  json state;
  for (int i = 0; i < 100; ++i) {
    state = *c.client->Call("contract", {{"id", ToHex(k.id)}});
    if (state["state"] != "open") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(state["state"] == "expired");
  auto account = c.client->Call("account", {{"address", (*spend)["address"]}});
  CHECK((*account)["locked"] == 0);
  CHECK((*account)["balance"] == 90);  // the lock returns; the opening charge does not
  auto late = b.client->Call("closeContract", {{"contract", ToHex(k.id)},
                                               {"receipt", SignedReceipt(c, k, 1, 1).ToJson()}});
  CHECK(late.error().code == ErrorCode::kConflict);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a slow client that never finishes its request is dropped") {
  TrackerFixture t;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(t.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  // Announces 1000 bytes of body, sends 10, then stalls.
  std::string partial =
      "POST /v1/transfer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"v\":1,   ";
  REQUIRE(send(fd, partial.data(), partial.size(), 0) == static_cast<ssize_t>(partial.size()));
  timeval limit{30, 0};  // far above the tracker's 5 s read timeout
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  char buf[4096];
  ssize_t n;
  std::string got;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) got.append(buf, static_cast<size_t>(n));
  bool closed_by_tracker = n == 0;  // EOF, not our receive timeout
  close(fd);
  CHECK(closed_by_tracker);
  CHECK(t.process().running());
  auto c = t.NewClient();
  CHECK(c->Call("summary", json::object()).ok());
}

}  // namespace tollstream::test
