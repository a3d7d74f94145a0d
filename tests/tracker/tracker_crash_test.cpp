// kill -9 during a burst of requests: every answered request is in the ledger
// afterwards, none is applied twice although clients retry, and the audit
// holds after every restart.
#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <random>
#include <thread>

#include "common/base/clock.h"
#include "common/wire/signing.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

// Sends the same signed body until some answer comes (across restarts).
Result<Response> SendUntilAnswered(TrackerClient& client, std::string_view method, const json& body,
                                   std::chrono::steady_clock::time_point deadline) {
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  for (;;) {
    auto r = client.Send(method, body.dump(), id);
    if (r.ok() || std::chrono::steady_clock::now() > deadline) return r;
    std::this_thread::sleep_for(20ms);
  }
}

}  // namespace

TEST_CASE("kill -9 during a burst loses no answered request and applies none twice") {
  TrackerFixture t;
  int port = t.port();
  constexpr int kTransferThreads = 12;
  constexpr int kContractThreads = 4;
  constexpr int kKills = 3;
  TrackerClient::Options one_try;
  one_try.attempts = 1;
  one_try.timeout_ms = 3000;

  std::vector<Party> senders(kTransferThreads), sinks(kTransferThreads);
  std::vector<Party> viewers(kContractThreads), broadcasters(kContractThreads);
  for (auto& p : senders) {
    p.client = t.NewClient(p.key, one_try);
    t.Mint(p.address(), 1'000'000);
  }
  for (int i = 0; i < kContractThreads; ++i) {
    viewers[i].client = t.NewClient(viewers[i].key, one_try);
    broadcasters[i].client = t.NewClient(broadcasters[i].key, one_try);
    t.Mint(viewers[i].address(), 1'000'000);
  }

  // Workers record what went wrong; the main thread asserts (doctest
  // assertions are not for worker threads).
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto fail = [&](std::string what) {
    std::lock_guard lock(failures_mutex);
    failures.push_back(std::move(what));
  };
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> answered{0}, retried_after_crash{0};
  std::vector<uint64_t> transfers_ok(kTransferThreads, 0);
  std::vector<uint64_t> paid(kContractThreads, 0);
  std::vector<std::string> incomes(kContractThreads), spends(kContractThreads);
  auto deadline = std::chrono::steady_clock::now() + 240s;
  std::vector<std::thread> threads;

  for (int i = 0; i < kTransferThreads; ++i) {
    threads.emplace_back([&, i] {
      while (!stop) {
        json body =
            senders[i].client->MakeRequest("transfer", {{"to", sinks[i].address()}, {"amount", 1}});
        auto first =
            senders[i].client->Send("transfer", body.dump(), DigestOf(SignedKind::kRequest, body));
        auto r =
            first.ok() ? first : SendUntilAnswered(*senders[i].client, "transfer", body, deadline);
        if (!first.ok()) ++retried_after_crash;
        if (!r.ok() || r->status != 200) {
          fail("transfer: " + (r.ok() ? r->error->message : r.error().message));
          return;
        }
        ++transfers_ok[i];
        ++answered;
      }
    });
  }
  for (int i = 0; i < kContractThreads; ++i) {
    threads.emplace_back([&, i] {
      Party& c = viewers[i];
      Party& b = broadcasters[i];
      auto call = [&](Party& who, std::string_view method, json params) -> std::optional<json> {
        json body = who.client->MakeRequest(method, std::move(params));
        auto r = SendUntilAnswered(*who.client, method, body, deadline);
        if (!r.ok() || r->status != 200) {
          fail(std::string(method) + ": " + (r.ok() ? r->error->message : r.error().message));
          return std::nullopt;
        }
        ++answered;
        return r->result;
      };
      auto income = call(b, "getIncomeAddress", json::object());
      auto spend = call(c, "getSpendAddress", {{"deposit", 500'000}});
      if (!income || !spend) return;
      incomes[i] = (*income)["address"];
      spends[i] = (*spend)["address"];
      PublicKey tracker = *c.client->tracker();
      while (!stop) {
        Contract k = SignedContract(c, b, tracker, spends[i], incomes[i], 3, 10, UnixNow() + 600);
        if (!call(b, "openContract", {{"contract", k.ToJson()}})) return;
        paid[i] += 3;  // the opening charge
        uint64_t segments = 1 + paid[i] % 10;
        if (!call(b, "closeContract",
                  {{"contract", ToHex(k.id)},
                   {"receipt", SignedReceipt(c, k, segments, 100).ToJson()}})) {
          return;
        }
        paid[i] += 3 * segments;
      }
    });
  }

  std::mt19937 rng(42);
  int audits_held = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    std::this_thread::sleep_for(std::chrono::milliseconds(700 + rng() % 800));
    t.Kill9();
    auto [audit_status, audit_out] = t.Audit(/*running=*/false);
    CHECK_MESSAGE(audit_status == 0, audit_out);
    audits_held += audit_status == 0;
    std::this_thread::sleep_for(200ms);
    t.Start("127.0.0.1:" + std::to_string(port));
  }
  std::this_thread::sleep_for(1s);
  stop = true;
  for (auto& th : threads) th.join();
  for (const auto& f : failures) FAIL_CHECK(f);
  REQUIRE(failures.empty());

  auto checker = t.NewClient();
  uint64_t checked = 0;
  for (int i = 0; i < kTransferThreads; ++i) {
    auto sink = checker->Call("account", {{"address", sinks[i].address()}});
    auto source = checker->Call("account", {{"address", senders[i].address()}});
    CHECK((*sink)["balance"] == transfers_ok[i]);
    CHECK((*source)["balance"] == 1'000'000 - transfers_ok[i]);
    checked += transfers_ok[i];
  }
  for (int i = 0; i < kContractThreads; ++i) {
    auto income = checker->Call("account", {{"address", incomes[i]}});
    auto spend = checker->Call("account", {{"address", spends[i]}});
    CHECK((*income)["balance"] == paid[i]);
    CHECK((*spend)["balance"] == 500'000 - paid[i]);
    CHECK((*spend)["locked"] == 0);
  }
  CHECK(t.Stop() == 0);
  auto [final_status, final_out] = t.Audit(/*running=*/false);
  CHECK_MESSAGE(final_status == 0, final_out);
  CHECK(audits_held == kKills);
  CHECK(checked > 100);
  MESSAGE("crashes survived: ", kKills, "; requests answered: ", answered.load(),
          "; transfers checked after crash: ", checked,
          "; resent after a crash: ", retried_after_crash.load());
}

}  // namespace tollstream::test
