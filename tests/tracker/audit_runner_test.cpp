// The tracker's audits: one at start (in the background, or before serving:
// RunAtStart, which refuses a ledger that does not hold), then on schedule
// and on request, the last one kept; a stopped runner ends at once and
// refuses new requests; /readyz fails while the last audit did.
#include "tracker/audit_runner.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/http/health.h"
#include "common/http/http_server.h"
#include "tests/support/serving.h"
#include "tests/tracker/ledger_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

// Waits (up to 10 s) until `done` holds.
bool Eventually(const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return done();
}

}  // namespace

TEST_CASE_FIXTURE(LedgerFixture,
                  "audits at start, on schedule and on request; the last one is kept") {
  KeyPair c = KeyPair::Generate();
  Mint(c.public_key(), 250);
  AuditRunner audits(*store, [] { return kNow; });
  CHECK(!audits.last());
  audits.StartSchedule(1);
  REQUIRE(Eventually([&] { return audits.last().has_value(); }));
  auto first = *audits.last();
  CHECK(first.trigger == "start");
  CHECK(first.ok());
  CHECK(first.started == kNow);
  CHECK(first.report->minted == 250);
  REQUIRE(Eventually([&] { return audits.last()->trigger == "schedule"; }));

  auto asked = audits.RunRequested();
  REQUIRE(asked.ok());
  CHECK(asked->ok);
  json shown = audits.last()->ToJson();
  CHECK(shown["ok"] == true);
  CHECK(shown["error"] == nullptr);
  CHECK(shown["report"]["journal_entries"] == 1);

  auto begin = std::chrono::steady_clock::now();
  audits.Stop();
  CHECK(std::chrono::steady_clock::now() - begin < 2s);
  CHECK(!audits.running());
  auto refused = audits.RunRequested();
  REQUIRE(!refused.ok());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
}

TEST_CASE_FIXTURE(LedgerFixture,
                  "a stopped audit records nothing; a damaged ledger is recorded as not ok") {
  std::atomic<bool> stop{true};
  auto stopped = AuditLedger(*store, &stop);
  REQUIRE(!stopped.ok());
  CHECK(stopped.error().code == ErrorCode::kUnavailable);

  KeyPair c = KeyPair::Generate();
  Mint(c.public_key(), 10);
  KvBatch damage;
  damage.Put("m/supply", json{{"minted", 11}, {"journal_next", 1}}.dump());
  REQUIRE(store->Write(damage, true).ok());
  AuditRunner audits(*store, [] { return kNow; });
  auto report = audits.RunRequested();
  REQUIRE(report.ok());
  CHECK(!report->ok);
  auto last = audits.last();
  REQUIRE(last);
  CHECK(last->trigger == "request");
  CHECK(!last->ok());
  CHECK(!last->ToJson()["report"]["problems"].empty());

  // /readyz, as the tracker serves it, says the audit failed.
  HttpServer server;
  ServeHealth(server, {{"audit", [&audits] { return audits.LastPassed(); }}});
  Serving serving(server);
  httplib::Client http("127.0.0.1", serving.port());
  auto ready = http.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  json checks = json::parse(ready->body);
  CHECK(checks["ready"] == false);
  CHECK(checks["checks"]["audit"]["ok"] == false);
  CHECK(checks["checks"]["audit"]["error"] == "the last audit found the ledger wrong");
}

TEST_CASE_FIXTURE(LedgerFixture, "the audit's readiness: none yet, then passed") {
  AuditRunner audits(*store, [] { return kNow; });
  CHECK(audits.LastPassed().error().code == ErrorCode::kUnavailable);
  REQUIRE(audits.RunRequested().ok());
  CHECK(audits.LastPassed().ok());
}

TEST_CASE_FIXTURE(LedgerFixture, "the audit before serving: passed, then scheduled; or refused") {
  KeyPair c = KeyPair::Generate();
  Mint(c.public_key(), 10);
  {
    AuditRunner audits(*store, [] { return kNow; });
    REQUIRE(audits.RunAtStart().ok());
    CHECK(audits.last()->trigger == "start");
    CHECK(audits.last()->ok());
    audits.StartSchedule(1, /*now=*/false);  // the next one on schedule, not at once
    REQUIRE(Eventually([&] { return audits.last()->trigger == "schedule"; }));
  }
  KvBatch damage;
  damage.Put("m/supply", json{{"minted", 11}, {"journal_next", 1}}.dump());
  REQUIRE(store->Write(damage, true).ok());
  AuditRunner audits(*store, [] { return kNow; });
  Status refused = audits.RunAtStart();
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kConflict);
  CHECK(refused.error().message.rfind("the ledger does not pass its audit: ", 0) == 0);
  CHECK(refused.error().message.find(audits.last()->report->problems.front()) != std::string::npos);
  CHECK(audits.last()->trigger == "start");
}

}  // namespace tollstream::test
