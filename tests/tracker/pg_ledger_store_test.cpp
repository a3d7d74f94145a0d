// The ledger in PostgreSQL behind two tracker services that share nothing
// but the database and the tracker key, each served over HTTP: clients
// spreading changes over both get exact balances and a clean audit, the
// same signed bytes sent to both are applied once and answered alike, and
// while the database is away every change is refused with 503 and none
// acknowledged is lost.
#include "tracker/pg/pg_ledger_store.h"

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "common/base/clock.h"
#include "common/rpc/http_endpoint.h"
#include "common/wire/signing.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/serving.h"
#include "tests/support/tracker_fixture.h"
#include "tracker/methods/methods.h"
#include "tracker/pg/pg_audit.h"
#include "tracker/pg/pg_schema.h"

namespace tollstream::test {
namespace {

// One tracker instance: a service over the shared database, served on a free port.
class Instance {
 public:
  Instance(const KeyPair& key, const std::string& db_url)
      : m_service(key, std::make_unique<PgLedgerStore>(db_url, 8), ServiceConfig{}) {
    RegisterSessionMethods(m_service, 1 << 20);
    RegisterAccountMethods(m_service);
    RegisterAddressMethods(m_service);
    RegisterContractMethods(m_service);
    ServeSigned(m_server, m_service.rpc(), EndpointOptions{});
    m_serving = std::make_unique<Serving>(m_server);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_serving->port()); }
  TrackerService& service() { return m_service; }

 private:
  TrackerService m_service;
  HttpServer m_server;
  std::unique_ptr<Serving> m_serving;
};

// A cluster with a tracker's ledger, and two instances serving it.
struct TwoInstances {
  TwoInstances() {
    auto db = PgConnection::Open(pg.url());
    REQUIRE(db.ok());
    REQUIRE(CreatePgSchema(**db, tracker.public_key().ToHex()).ok());
    a = std::make_unique<Instance>(tracker, pg.url());
    b = std::make_unique<Instance>(tracker, pg.url());
  }
  std::unique_ptr<TrackerClient> Client(Instance& at, const KeyPair& key) {
    auto c = std::make_unique<TrackerClient>(at.url(), key);
    REQUIRE(c->Handshake().ok());
    return c;
  }
  void Mint(const std::string& to, uint64_t amount) {
    REQUIRE(Client(*a, tracker)->Call("mint", {{"to", to}, {"amount", amount}}).ok());
  }
  uint64_t Balance(const std::string& address) {
    auto account = Client(*b, KeyPair::Generate())->Call("account", {{"address", address}});
    REQUIRE(account.ok());
    return (*account)["balance"].get<uint64_t>();
  }
  AuditReport Audit() {
    auto db = PgConnection::Open(pg.url());
    REQUIRE(db.ok());
    auto report = AuditPgLedger(**db);
    REQUIRE(report.ok());
    for (const auto& p : report->problems) MESSAGE(p);
    return *report;
  }

  PgCluster pg;
  KeyPair tracker = KeyPair::Generate();
  std::unique_ptr<Instance> a, b;
};

Status Done(const Result<json>& r) {
  return r ? Status::Ok() : Status(r.error());
}

}  // namespace

TEST_CASE("two instances, one ledger: 8 clients spread cycles and transfers over both") {
  TwoInstances t;
  constexpr int kClients = 8, kCycles = 10;
  constexpr uint64_t kPrice = 5, kMinted = 10000, kDeposit = 2000;
  const std::string sink = AddressOf(KeyPair::Generate().public_key());  // every client pays it
  struct Client {
    Party viewer, broadcaster;
    std::unique_ptr<TrackerClient> on[2];  // the viewer's client at each instance
    std::unique_ptr<TrackerClient> broadcaster_on[2];
    std::string spend, income;
  };
  std::vector<Client> clients(kClients);
  for (auto& c : clients) {
    c.on[0] = t.Client(*t.a, c.viewer.key);
    c.on[1] = t.Client(*t.b, c.viewer.key);
    c.broadcaster_on[0] = t.Client(*t.a, c.broadcaster.key);
    c.broadcaster_on[1] = t.Client(*t.b, c.broadcaster.key);
  }
  std::atomic<int> failures{0}, duplicates_differ{0};
  std::mutex mutex;
  std::vector<std::string> why;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(mutex);
    ++failures;
    if (why.size() < 5) why.push_back(what);
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      Client& c = clients[i];
      // Mints at both instances at once, each its own client.
      auto minted = t.Client(i % 2 == 0 ? *t.a : *t.b, t.tracker)
                        ->Call("mint", {{"to", c.viewer.address()}, {"amount", kMinted}});
      if (!minted) return fail("mint: " + minted.error().message);
      auto spend = c.on[i % 2]->Call("getSpendAddress", {{"deposit", kDeposit}});
      auto income = c.broadcaster_on[(i + 1) % 2]->Call("getIncomeAddress", json::object());
      if (!spend || !income) return fail("addresses");
      c.spend = (*spend)["address"];
      c.income = (*income)["address"];
      PublicKey tracker = t.tracker.public_key();
      for (int j = 0; j < kCycles; ++j) {
        int here = (i + j) % 2, there = 1 - here;
        Contract k = SignedContract(c.viewer, c.broadcaster, tracker, c.spend, c.income, kPrice, 10,
                                    UnixNow() + 600);
        Status ok = Done(c.broadcaster_on[here]->Call("openContract", {{"contract", k.ToJson()}}));
        json receipt = SignedReceipt(c.viewer, k, 4, 4000).ToJson();
        if (ok) {
          ok = Done(c.broadcaster_on[there]->Call(
              "closeContract", {{"contract", ToHex(k.id)}, {"receipt", receipt}}));
        }
        if (ok) ok = Done(c.on[here]->Call("transfer", {{"to", sink}, {"amount", 1}}));
        if (!ok) fail(ok.error().message);
      }
      // The same signed bytes to both instances at once: applied once, answered alike.
      json body = c.on[0]->MakeRequest("transfer", {{"to", sink}, {"amount", 1}});
      Hash256 id = DigestOf(SignedKind::kRequest, body);
      Result<Response> answers[2] = {MakeError(ErrorCode::kInternal, ""),
                                     MakeError(ErrorCode::kInternal, "")};
      std::thread other([&] { answers[1] = c.on[1]->Send("transfer", body.dump(), id); });
      answers[0] = c.on[0]->Send("transfer", body.dump(), id);
      other.join();
      if (!answers[0] || !answers[1] || answers[0]->status != 200) return fail("the same bytes");
      if (answers[0]->result != answers[1]->result || answers[0]->ts != answers[1]->ts)
        ++duplicates_differ;
    });
  }
  for (auto& th : threads) th.join();
  for (const auto& w : why) MESSAGE(w);
  REQUIRE(failures == 0);
  CHECK(duplicates_differ == 0);
  for (const auto& c : clients) {
    CHECK(t.Balance(c.viewer.address()) == kMinted - kDeposit - kCycles - 1);
    CHECK(t.Balance(c.spend) == kDeposit - kCycles * 5 * kPrice);  // charge + 4 segments
    CHECK(t.Balance(c.income) == kCycles * 5 * kPrice);
  }
  CHECK(t.Balance(sink) == kClients * (kCycles + 1));
  AuditReport audit = t.Audit();
  CHECK(audit.ok);
  CHECK(audit.minted == kClients * kMinted);
  CHECK(audit.contracts_closed == kClients * kCycles);
  uint64_t retries =
      t.a->service().ledger_store().retries() + t.b->service().ledger_store().retries();
  MESSAGE("changes run again after a conflict: " << retries);
}

}  // namespace tollstream::test

namespace tollstream::test {

TEST_CASE("transfers crossing between two accounts at two instances stay exact") {
  TwoInstances t;
  Party x, y;
  t.Mint(x.address(), 1000);
  t.Mint(y.address(), 1000);
  constexpr int kEach = 25;
  std::atomic<int> failed{0};
  auto pay = [&](Party& from, const Party& to, Instance& at) {
    auto client = t.Client(at, from.key);
    for (int i = 0; i < kEach; ++i) {
      if (!client->Call("transfer", {{"to", to.address()}, {"amount", 1 + i % 3}})) ++failed;
    }
  };
  std::thread one([&] { pay(x, y, *t.a); });
  std::thread two([&] { pay(y, x, *t.b); });
  one.join();
  two.join();
  CHECK(failed == 0);
  CHECK(t.Balance(x.address()) == 1000);  // each paid and got the same amounts
  CHECK(t.Balance(y.address()) == 1000);
  // A refusal changes nothing but its stored answer, which the other instance gives again.
  auto client = t.Client(*t.a, x.key);
  json overdraw = client->MakeRequest("transfer", {{"to", y.address()}, {"amount", 1001}});
  Hash256 id = DigestOf(SignedKind::kRequest, overdraw);
  auto first = client->Send("transfer", overdraw.dump(), id);
  auto again = t.Client(*t.b, x.key)->Send("transfer", overdraw.dump(), id);
  REQUIRE(first.ok());
  REQUIRE(again.ok());
  CHECK(first->status == 409);
  CHECK(first->error->code == ErrorCode::kInsufficientFunds);
  CHECK(again->signed_body["ts"] == first->signed_body["ts"]);
  CHECK(again->signed_body["error"] == first->signed_body["error"]);
  CHECK(t.Balance(x.address()) == 1000);
  CHECK(t.Audit().ok);
  MESSAGE("changes run again after a conflict: " << t.a->service().ledger_store().retries() +
                                                        t.b->service().ledger_store().retries());
}

TEST_CASE("the database stopped under load: 503 while away, back by itself, nothing lost") {
  TwoInstances t;
  Party payer;
  t.Mint(payer.address(), 1000);
  const std::string sink = AddressOf(KeyPair::Generate().public_key());
  std::unique_ptr<TrackerClient> at[2] = {t.Client(*t.a, payer.key), t.Client(*t.b, payer.key)};
  std::atomic<int> acked{0};
  std::atomic<bool> stop{false};
  std::map<int, int> statuses;  // of the answers that were not 200
  std::thread load([&] {
    for (int n = 0; !stop; ++n) {
      json body = at[0]->MakeRequest("transfer", {{"to", sink}, {"amount", 1}});
      Hash256 id = DigestOf(SignedKind::kRequest, body);
      // A 503 says this attempt applied nothing: a body never answered
      // otherwise is dropped, and the next transfer is a new one. After an
      // "outcome unknown" (500), the same body is sent until it is answered.
      bool maybe_applied = false;
      for (int tries = 0; !stop || maybe_applied; ++tries) {
        auto answer = at[(n + tries) % 2]->Send("transfer", body.dump(), id);
        if (answer && answer->status == 200) {
          ++acked;
          break;
        }
        int status = answer ? answer->status : 0;
        ++statuses[status];
        if (status == 500) maybe_applied = true;
        if (status == 503 && !maybe_applied) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  });
  auto wait_for = [&](int n) {
    for (int i = 0; i < 600 && acked < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    REQUIRE(acked >= n);
  };
  for (const char* mode : {"immediate", "fast"}) {
    CAPTURE(mode);
    wait_for(acked + 20);
    t.pg.Stop(mode);
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    t.pg.Start();
  }
  wait_for(acked + 20);
  stop = true;
  load.join();
  CHECK(statuses[503] > 0);  // told while the database was away
  CHECK(statuses.size() == statuses.count(503) + statuses.count(500));
  // Every transfer answered 200 was applied, once; none refused with 503 was.
  CHECK(t.Balance(sink) == static_cast<uint64_t>(acked.load()));
  CHECK(t.Audit().ok);
}

}  // namespace tollstream::test

namespace tollstream::test {

TEST_CASE("connections give up locks and idle transactions unless told otherwise; at most N open") {
  PgCluster pg;
  auto show = [](PgConnection& db, const char* setting) {
    auto rows = db.Exec(std::string("SHOW ") + setting);
    REQUIRE(rows.ok());
    return rows->rows.at(0).at(0).value_or("");
  };
  auto plain = PgConnection::Open(pg.url());
  REQUIRE(plain.ok());
  CHECK(show(**plain, "lock_timeout") == "10s");
  CHECK(show(**plain, "idle_in_transaction_session_timeout") == "1min");
  auto told = PgConnection::Open(pg.url() + "?options=-c%20lock_timeout%3D2s");
  REQUIRE(told.ok());
  CHECK(show(**told, "lock_timeout") == "2s");
  CHECK(show(**told, "idle_in_transaction_session_timeout") == "1min");

  PgPool pool(pg.url(), 2);
  auto first = pool.Acquire();
  auto second = pool.Acquire();
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  std::atomic<bool> third_leased{false};
  std::thread third([&] {
    auto lease = pool.Acquire();
    REQUIRE(lease.ok());
    third_leased = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(third_leased);          // waits: two are open
  { auto done = std::move(*first); }  // given back
  third.join();
  CHECK(third_leased);
}

}  // namespace tollstream::test
