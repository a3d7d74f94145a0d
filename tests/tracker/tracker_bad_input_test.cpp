// Hostile input to every tracker method: each gets a clear signed JSON error
// with the right status, the tracker stays up, and the ledger is unchanged.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <thread>

#include "common/base/amount.h"
#include "common/base/clock.h"
#include "common/wire/signing.h"
#include "tests/support/mutations.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

// Everything a client can see of the ledger: totals, and the accounts named.
json Snapshot(TrackerClient& c, const std::vector<std::string>& addresses) {
  json out = {{"summary", *c.Call("summary", json::object())}};
  for (const auto& a : addresses) out[a] = *c.Call("account", {{"address", a}});
  return out;
}

// Opens a connection that sends part of a request and stalls; returns true
// when the tracker hangs up on it by itself.
bool DroppedWhenSlow(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return false;
  std::string partial =
      "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 500\r\n\r\n{\"v\":";
  (void)send(fd, partial.data(), partial.size(), 0);
  timeval limit{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
  }
  close(fd);
  return n == 0;
}

}  // namespace

TEST_CASE("every tracker method refuses hostile input and changes nothing") {
  TrackerFixture t;
  KeyPair tracker_key = t.tracker_key();
  Party a, b, c;
  a.client = t.NewClient(a.key);
  b.client = t.NewClient(b.key);
  c.client = t.NewClient(c.key);
  t.Mint(a.address(), 1000);
  t.Mint(c.address(), 1000);
  PublicKey tk = *a.client->tracker();
  std::string income = (*b.client->Call("getIncomeAddress", json::object()))["address"];
  std::string spend = (*c.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
  Contract open = SignedContract(c, b, tk, spend, income, 5, 10, UnixNow() + 600);
  REQUIRE(b.client->Call("openContract", {{"contract", open.ToJson()}}).ok());
  REQUIRE(
      b.client
          ->Call("announce",
                 {{"stream", "news"}, {"url", "http://127.0.0.1:9"}, {"price", 5}, {"ttl", 600}})
          .ok());
  Contract fresh = SignedContract(c, b, tk, spend, income, 5, 10, UnixNow() + 600);
  Receipt receipt = SignedReceipt(c, open, 3, 3000);
  std::vector<std::string> addresses = {a.address(), b.address(), c.address(), income, spend};
  auto checker = t.NewClient();
  json before = Snapshot(*checker, addresses);

  struct Method {
    std::string name;
    const KeyPair* signer;
    json params;
    std::set<std::string> optional;
  };
  std::vector<Method> methods = {
      {"handshake", &a.key, {{"agent", "test/1"}}, {"params.agent"}},
      {"mint", &tracker_key, {{"to", a.address()}, {"amount", 7}}, {}},
      {"transfer", &a.key, {{"to", b.address()}, {"amount", 7}}, {}},
      {"account", &a.key, {{"address", a.address()}}, {}},
      {"openAddresses", &a.key, {{"owner", c.key.public_key().ToHex()}}, {}},
      {"getIncomeAddress", &b.key, json::object(), {}},
      {"getSpendAddress", &c.key, {{"deposit", 7}}, {}},
      {"closeIncomeAddress", &b.key, {{"address", income}}, {}},
      {"closeSpendAddress", &c.key, {{"address", spend}}, {}},
      {"openContract", &b.key, {{"contract", fresh.ToJson()}}, {}},
      {"closeContract",
       &b.key,
       {{"contract", ToHex(open.id)}, {"receipt", receipt.ToJson()}},
       {"params.receipt"}},
      {"contract", &a.key, {{"id", ToHex(open.id)}}, {}},
      {"announce",
       &b.key,
       {{"stream", "news"}, {"url", "http://127.0.0.1:9"}, {"price", 5}, {"ttl", 60}},
       {}},
      {"lookup", &a.key, {{"stream", "news"}}, {}},
      {"announce",
       &b.key,
       {{"stream", "relayed"},
        {"origin", a.key.public_key().ToHex()},
        {"url", "http://127.0.0.1:9"},
        {"price", 5},
        {"ttl", 60}},
       {"params.origin"}},
      {"lookup",
       &a.key,
       {{"stream", "news"}, {"origin", b.key.public_key().ToHex()}},
       {"params.origin"}},
      {"audit", &a.key, json::object(), {}},
      {"summary", &a.key, json::object(), {}},
  };
  httplib::Client http(t.url());
  size_t tried = 0, refused = 0;
  std::map<std::string, size_t> by_code;
  for (const auto& m : methods) {
    std::optional<PublicKey> for_tracker = m.name == "handshake" ? std::nullopt : std::optional(tk);
    json valid = SignRequest(*m.signer, m.name, for_tracker, m.params, UnixNow(), RandomHex(16));
    for (const auto& mutation : MutateRequest(valid, *m.signer, m.optional)) {
      if (m.name == "handshake" && mutation.name.find("timestamp") != std::string::npos)
        continue;  // exempt
      CAPTURE(m.name);
      CAPTURE(mutation.name);
      ++tried;
      auto res = http.Post("/v1/" + m.name, mutation.body, "application/json");
      REQUIRE(res);
      auto answer = ParseResponse(res->body, tk, std::nullopt);
      REQUIRE_MESSAGE(answer.ok(), res->body);  // a signed JSON answer, always
      CHECK(res->status == 400);
      if (answer->error) {
        ++refused;
        ++by_code[std::string(CodeName(answer->error->code))];
        CHECK_FALSE(answer->error->message.empty());
      }
    }
  }

  // Sums that would overflow, and amounts no one holds.
  struct Overflow {
    std::string name;
    const KeyPair* signer;
    std::string method;
    json params;
    int status;
  };
  Contract huge = SignedContract(c, b, tk, spend, income, uint64_t{1} << 26, uint64_t{1} << 27,
                                 UnixNow() + 600);
  for (const auto& o : std::vector<Overflow>{
           {"mint past 2^53-1 in all",
            &tracker_key,
            "mint",
            {{"to", a.address()}, {"amount", kMaxAmount}},
            409},
           {"deposit of 2^53-1", &c.key, "getSpendAddress", {{"deposit", kMaxAmount}}, 409},
           {"transfer of 2^53-1",
            &a.key,
            "transfer",
            {{"to", b.address()}, {"amount", kMaxAmount}},
            409},
           {"lock of 2^53", &b.key, "openContract", {{"contract", huge.ToJson()}}, 400}}) {
    CAPTURE(o.name);
    ++tried;
    json body = SignRequest(*o.signer, o.method, tk, o.params, UnixNow(), RandomHex(16));
    auto res = http.Post("/v1/" + o.method, body.dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == o.status);
    auto answer = ParseResponse(res->body, tk, DigestOf(SignedKind::kRequest, body));
    REQUIRE(answer.ok());
    if (answer->error) {
      ++refused;
      ++by_code[std::string(CodeName(answer->error->code))];
    }
  }

  // Too large, and too slow: refused or dropped, for every method.
  for (const auto& m : methods) {
    ++tried;
    auto res = http.Post("/v1/" + m.name, std::string(70 * 1024, ' '), "application/json");
    REQUIRE(res);
    CHECK(res->status == 413);
    refused += res->status == 413;
    ++by_code["body_too_large"];
  }
  std::vector<std::thread> slow;
  std::atomic<int> dropped{0};
  for (const char* path : {"/v1/transfer", "/v1/openContract", "/v1/closeContract", "/v1/mint"}) {
    slow.emplace_back([&, path] { dropped += DroppedWhenSlow(t.port(), path); });
  }
  auto during = t.NewClient();  // slow clients do not block others
  CHECK(during->Call("summary", json::object()).ok());
  for (auto& th : slow) th.join();
  CHECK(dropped == 4);
  tried += 4;
  refused += static_cast<size_t>(dropped.load());

  CHECK(t.process().running());
  CHECK(Snapshot(*checker, addresses) == before);
  auto [audit_status, audit_out] = t.Audit(/*running=*/true);
  CHECK(audit_status == 0);
  CHECK(refused == tried);
  std::string codes;
  for (const auto& [code, n] : by_code) codes += " " + code + "=" + std::to_string(n);
  MESSAGE("tracker: bad inputs tried ", tried, ", refused ", refused, ";", codes);
}

}  // namespace tollstream::test
