// The dashboard's history (tracker/history.h): per-step differences of the
// ledger's totals, gauges at their most, bounded memory, kept across a
// restart.
#include "tracker/history.h"

#include <doctest/doctest.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

Totals At(uint64_t opened, uint64_t paid, uint64_t segments) {
  Totals t;
  t.contracts_opened = opened;
  t.paid = paid;
  t.charged = opened;  // one token a contract
  t.segments = segments;
  t.bytes = segments * 1000;
  return t;
}

}  // namespace

TEST_CASE("each step holds what the totals grew by in it, and the most streams and viewers") {
  History h(10, "");
  const int64_t t0 = 1699999800;             // a multiple of 10 and of 600
  CHECK(!h.Sample(t0, At(5, 50, 5), 1, 2));  // sets the baseline only
  CHECK(!h.Sample(t0 + 3, At(7, 70, 9), 3, 1));
  CHECK(!h.Sample(t0 + 9, At(8, 70, 9), 2, 4));
  CHECK(h.Sample(t0 + 10, At(8, 90, 11), 1, 1));  // a new step
  json j = h.ToJson();
  CHECK(j["step"] == 10);
  REQUIRE(j["hour"].size() == 2);
  json first = j["hour"][0];
  CHECK(first["start"] == t0);
  CHECK(first["contracts_opened"] == 3);
  CHECK(first["tokens_paid"] == 20 + 3);
  CHECK(first["segments"] == 4);
  CHECK(first["bytes"] == 4000);
  CHECK(first["streams"] == 3);
  CHECK(first["viewers"] == 4);
  json now = j["hour"][1];
  CHECK(now["start"] == t0 + 10);
  CHECK(now["tokens_paid"] == 20);
  CHECK(now["segments"] == 2);
  // The day's bucket in progress sums the steps so far.
  REQUIRE(j["day"].size() == 1);
  CHECK(j["day"][0]["start"] == t0);
  CHECK(j["day"][0]["tokens_paid"] == 43);
  CHECK(j["day"][0]["viewers"] == 4);
}

TEST_CASE("memory stays bounded: an hour of steps and a day of hours") {
  History h(1, "");
  const int64_t t0 = 1699999800;
  for (int64_t s = 0; s < 3 * 24 * 60; ++s) h.Sample(t0 + s, At(s, s, s), 1, 1);
  json j = h.ToJson();
  CHECK(j["hour"].size() == History::kHourPoints + 1);
  CHECK(j["day"].size() <= History::kDayPoints + 1);
  CHECK(j["day"].size() >= History::kDayPoints);
  // Every finished step of the hour counted one contract.
  for (size_t i = 0; i + 1 < j["hour"].size(); ++i) CHECK(j["hour"][i]["contracts_opened"] == 1);
  CHECK(j["day"][1]["contracts_opened"] == 60);
}

TEST_CASE("the history is kept across a restart, and counts what changed meanwhile") {
  TempDir dir;
  std::string path = dir / "history.json";
  const int64_t t0 = 1699999800;
  {
    History h(10, path);
    REQUIRE(h.Load().ok());  // no file yet: empty
    h.Sample(t0, At(0, 0, 0), 1, 1);
    h.Sample(t0 + 5, At(2, 20, 2), 1, 1);
    REQUIRE(h.Sample(t0 + 12, At(3, 30, 3), 1, 1));
    REQUIRE(h.Save().ok());
  }
  // Stopped hard after a change the history never sampled.
  History again(10, path);
  REQUIRE(again.Load().ok());
  again.Sample(t0 + 25, At(5, 50, 5), 1, 1);
  json j = again.ToJson();
  REQUIRE(j["hour"].size() == 3);
  CHECK(j["hour"][0]["contracts_opened"] == 2);
  CHECK(j["hour"][1]["contracts_opened"] == 1);  // the step in progress at the save
  CHECK(j["hour"][2]["contracts_opened"] == 2);  // what changed while it was down
  CHECK(j["day"][0]["contracts_opened"] == 5);

  // Another step, or a damaged file: refused, and the history starts empty.
  History other_step(60, path);
  CHECK(!other_step.Load().ok());
  std::ofstream(path) << "{\"version\":1,\"hour\":";
  History damaged(10, path);
  CHECK(!damaged.Load().ok());
  CHECK(damaged.ToJson()["hour"].empty());
}

}  // namespace tollstream::test
