// The tracker's maintenance pass (TrackerService::RunMaintenance): open
// contracts are released once their release time has come, soonest first,
// and not a second earlier; the stored answer of a request is pruned, with
// its index entry, once the request is too old to be retried, and not a
// second earlier.
#include "common/wire/envelope.h"
#include "tests/tracker/ledger_fixture.h"
#include "tracker/ledger_keys.h"
#include "tracker/tracker_service.h"

namespace tollstream::test {
namespace {

bool Has(const KvStore& store, const std::string& key) {
  auto value = store.Get(key);
  REQUIRE(value.ok());
  return value->has_value();
}

}  // namespace

TEST_CASE_FIXTURE(LedgerFixture, "maintenance releases the contracts due, and only those") {
  KeyPair b = KeyPair::Generate(), c = KeyPair::Generate();
  Mint(c.public_key(), 220);
  std::string income = Income(b);
  std::string spend = Spend(c, 220);  // two locks of 100, two opening charges of 10
  Contract soon = MakeContract(c, b, spend, income, 10, 10, kNow + 100);
  Contract later = MakeContract(c, b, spend, income, 10, 10, kNow + 200);
  REQUIRE(Open(b, later).ok());
  REQUIRE(Open(b, soon).ok());
  pipeline.reset();  // the service below writes to the store through its own
  TrackerService service(tracker, *store, ServiceConfig{});
  auto state = [&](const Contract& k) {
    PipelineTxn view(service.pipeline());
    return (*service.ledger().ContractInfo(view, ToHex(k.id)))["state"];
  };
  struct Step {
    int64_t now;
    size_t released;
    const char* soon_state;
    const char* later_state;
  };
  // Release at expires + grace (60 s in the fixture).
  for (const Step& step : std::vector<Step>{{kNow + 159, 0, "open", "open"},
                                            {kNow + 160, 1, "expired", "open"},
                                            {kNow + 259, 0, "expired", "open"},
                                            {kNow + 260, 1, "expired", "expired"},
                                            {kNow + 999, 0, "expired", "expired"}}) {
    CAPTURE(step.now - kNow);
    auto done = service.RunMaintenance(step.now);
    REQUIRE(done.ok());
    CHECK(done->released == step.released);
    CHECK(state(soon) == step.soon_state);
    CHECK(state(later) == step.later_state);
  }
  CHECK(AuditHolds());
}

TEST_CASE("maintenance prunes the answers of requests too old to be retried, and only those") {
  TempDir dir;
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  KeyPair tracker = KeyPair::Generate(), client = KeyPair::Generate();
  ServiceConfig config;
  TrackerService service(tracker, **store, config);
  service.AddMethod("noop", TrackerService::Kind::kChange,
                    [](const Request&) -> Result<TrackerService::Apply> {
                      return TrackerService::Apply(
                          [](LedgerTxn&, int64_t) -> Result<json> { return json::object(); });
                    });
  int64_t ts = service.Now();
  std::string nonce = RandomHex(kNonceBytes);
  json body = SignRequest(client, "noop", tracker.public_key(), json::object(), ts, nonce);
  REQUIRE(service.Handle("noop", body.dump()).status == 200);
  std::string answer = keys::Answer(client.public_key(), nonce);
  std::string by_time = keys::AnswerByTime(ts, client.public_key(), nonce);
  REQUIRE(Has(**store, answer));
  REQUIRE(Has(**store, by_time));

  // Retries are refused as stale past max_clock_skew; the answer stays 60 s more.
  int64_t last_kept = ts + config.max_clock_skew + 60;
  auto kept = service.RunMaintenance(last_kept);
  REQUIRE(kept.ok());
  CHECK(kept->pruned == 0);
  CHECK(Has(**store, answer));
  CHECK(Has(**store, by_time));
  auto pruned = service.RunMaintenance(last_kept + 1);
  REQUIRE(pruned.ok());
  CHECK(pruned->pruned == 1);
  CHECK_FALSE(Has(**store, answer));
  CHECK_FALSE(Has(**store, by_time));
}

}  // namespace tollstream::test
