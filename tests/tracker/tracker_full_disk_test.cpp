// The tracker's ledger on a disk that fills up (a small tmpfs, mounted for
// the test: needs root, else the test is skipped). Transfers are sent until
// the disk refuses one (503); every transfer answered 503 must stay
// unapplied, after a clean stop and restart too, and the ledger must hold
// exactly the answered ones. Without a restart, the tracker takes writes
// again once the disk has room, and while it cannot, its dashboard summary
// and /metrics say so.
#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/base/clock.h"
#include "common/wire/signing.h"
#include "tests/support/small_disk.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kDiskBytes = 16 << 20;
constexpr uint64_t kMinted = 1'000'000;

// Makes a tracker in `data` (tracker init); returns `data`.
std::string Init(const std::string& data) {
  auto [status, out] = RunCommand({BinaryPath("tracker"), "init", "--data-dir", data});
  REQUIRE_MESSAGE(status == 0, out);
  return data;
}

// A tracker whose ledger directory is a small disk of its own (its key and
// log lie beside it, on the ordinary disk).
struct DiskTracker {
  TempDir dir;
  std::string data = dir / "tracker";
  SmallDisk disk{data + "/ledger", kDiskBytes};
  std::string initialized = Init(data);
  std::unique_ptr<TrackerProcess> tracker = std::make_unique<TrackerProcess>(data);
  Party sender, sink;

  DiskTracker() {
    sender.client = NewClient(sender.key);
    TrackerClient operator_client(tracker->url, *LoadKeyFile(data + "/tracker.key"));
    REQUIRE(operator_client.Handshake().ok());
    REQUIRE(operator_client.Call("mint", {{"to", sender.address()}, {"amount", kMinted}}).ok());
  }
  std::unique_ptr<TrackerClient> NewClient(KeyPair key) {
    TrackerClient::Options one_try;
    one_try.attempts = 1;
    auto c = std::make_unique<TrackerClient>(tracker->url, std::move(key), one_try);
    REQUIRE(c->Handshake().ok());
    return c;
  }
  void Restart() {
    tracker->process.Signal(SIGTERM);
    REQUIRE(tracker->process.Wait(20s) == 0);
    tracker.reset();
    tracker = std::make_unique<TrackerProcess>(data);
    sender.client = NewClient(sender.key);
  }
  uint64_t Balance(const std::string& address) {
    auto checker = NewClient(KeyPair::Generate());
    auto account = checker->Call("account", {{"address", address}});
    REQUIRE_MESSAGE(account.ok(), (account ? "" : account.error().message));
    return (*account)["balance"].get<uint64_t>();
  }
  // GET `path` on the tracker: {status, body}.
  std::pair<int, std::string> Get(const std::string& path) {
    httplib::Client http(tracker->url);
    auto res = http.Get(path.c_str());
    REQUIRE_MESSAGE(res, path);
    return {res->status, res->body};
  }
  json Summary() {
    auto [status, body] = Get("/dashboard/api/summary");
    REQUIRE_MESSAGE(status == 200, body);
    return json::parse(body);
  }
  bool MetricSays(const std::string& line) {
    auto [status, body] = Get("/metrics");
    REQUIRE(status == 200);
    return body.find("\n" + line + "\n") != std::string::npos;
  }
};

// What became of the transfers sent.
struct Sent {
  uint64_t applied = 0;          // answered 200
  std::vector<json> refused;     // the bodies answered 503
  std::vector<std::string> why;  // their messages
};

// Sends transfers of 1 token until `refusals` of them are answered 503.
// Any other answer fails the test.
Sent TransferUntilRefused(DiskTracker& t, size_t refusals) {
  Sent sent;
  auto deadline = Clock::now() + 30s;
  while (sent.refused.size() < refusals) {
    REQUIRE_MESSAGE(Clock::now() < deadline, "no transfer was refused; applied ", sent.applied);
    json body = t.sender.client->MakeRequest("transfer", {{"to", t.sink.address()}, {"amount", 1}});
    auto r = t.sender.client->Send("transfer", body.dump(), DigestOf(SignedKind::kRequest, body));
    REQUIRE_MESSAGE(r.ok(), (r ? "" : r.error().message));
    if (r->status == 200) {
      REQUIRE(sent.refused.empty());  // once refused, refused until space returns
      ++sent.applied;
      continue;
    }
    REQUIRE_MESSAGE(r->status == 503, r->signed_body.dump());
    CHECK(r->error->code == ErrorCode::kUnavailable);
    sent.refused.push_back(body);
    sent.why.push_back(r->error->message);
  }
  return sent;
}

// The ledger holds the mint and exactly the applied transfers.
void CheckLedger(DiskTracker& t, uint64_t applied) {
  CHECK(t.Balance(t.sink.address()) == applied);
  CHECK(t.Balance(t.sender.address()) == kMinted - applied);
  CHECK(t.Summary()["ledger"]["journal_entries"] == 1 + applied);
  auto [status, report] = RunCommand({BinaryPath("tracker"), "audit", "--tracker", t.tracker->url});
  CHECK_MESSAGE(status == 0, report);
}

}  // namespace

TEST_CASE("transfers refused on a full disk are never applied, not after a clean restart either") {
  SmallDisk::SkipUnlessAvailable();
  DiskTracker t;
  size_t filled = t.disk.Fill();
  Sent sent = TransferUntilRefused(t, 10);
  CHECK(sent.applied > 0);
  MESSAGE("disk filled with ", filled, " bytes; applied ", sent.applied, ", refused ",
          sent.refused.size(), " (", sent.why.front(), ")");

  // The disk has room again when the tracker stops cleanly: nothing it
  // refused may reach the disk then, nor show after the restart.
  t.disk.Free();
  t.Restart();
  CheckLedger(t, sent.applied);

  // A refused request left no trace: sent again, it is applied, once.
  const json& first = sent.refused.front();
  auto again =
      t.sender.client->Send("transfer", first.dump(), DigestOf(SignedKind::kRequest, first));
  REQUIRE(again.ok());
  CHECK(again->status == 200);
  auto twice =
      t.sender.client->Send("transfer", first.dump(), DigestOf(SignedKind::kRequest, first));
  REQUIRE(twice.ok());
  CHECK(twice->status == 200);
  CheckLedger(t, sent.applied + 1);
}

TEST_CASE("the tracker says its store is failing, and takes writes again once the disk has room") {
  SmallDisk::SkipUnlessAvailable();
  DiskTracker t;
  CHECK(t.Summary()["store"]["ok"] == true);
  CHECK(t.MetricSays("tollstream_tracker_store_ok 1"));
  t.disk.Fill();
  Sent sent = TransferUntilRefused(t, 3);

  json store = t.Summary()["store"];
  CHECK(store["ok"] == false);
  CHECK(store["error"].is_string());
  CHECK(store["failures"] == 1);
  CHECK(t.MetricSays("tollstream_tracker_store_ok 0"));
  // Not ready meanwhile, saying why; still up.
  auto [not_ready, why] = t.Get("/readyz");
  CHECK(not_ready == 503);
  CHECK(json::parse(why)["checks"]["store"]["ok"] == false);
  CHECK(t.Get("/healthz").first == 200);
  // Reads still answer, from what is on disk.
  CHECK(t.Balance(t.sink.address()) == sent.applied);

  t.disk.Free();
  auto freed = Clock::now();
  uint64_t applied = sent.applied;
  for (;;) {
    REQUIRE_MESSAGE(Clock::now() - freed < 10s, "no transfer taken 10 s after the disk had room");
    auto r = t.sender.client->Call("transfer", {{"to", t.sink.address()}, {"amount", 1}});
    if (r) {
      ++applied;
      break;
    }
    CHECK(r.error().code == ErrorCode::kUnavailable);
    std::this_thread::sleep_for(100ms);
  }
  double seconds = std::chrono::duration<double>(Clock::now() - freed).count();
  MESSAGE("refused ", sent.refused.size(), " transfers on the full disk; writes taken again ",
          seconds, " s after the disk had room");
  CHECK(t.Summary()["store"]["ok"] == true);
  CHECK(t.MetricSays("tollstream_tracker_store_ok 1"));
  auto [ready, checks] = t.Get("/readyz");
  CHECK_MESSAGE(ready == 200, checks);
  CheckLedger(t, applied);

  t.Restart();
  CheckLedger(t, applied);
}

}  // namespace tollstream::test
