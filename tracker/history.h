// The dashboard's history: what the tracker did per step (a minute by
// default) over the last hour, and per hour (60 steps) over the last day —
// contracts opened, tokens paid (payments and opening charges), segments
// and bytes settled (the ledger learns segments and bytes as contracts
// close), and the most live streams and viewers (open contracts) seen. Fed
// once a second from the ledger's committed totals; per-step figures are
// the differences of those totals, so nothing is counted twice, and the
// totals are kept with the points: after a restart (even after kill -9)
// what changed since the last save is counted in the first step.
//
// Memory is bounded: kHourPoints + kDayPoints points, whatever the uptime.
// The points are kept across restarts in a file of their own (beside the
// ledger, never in it: losing it loses a chart, no money), written
// atomically at every step's end.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/wire/json.h"
#include "tracker/ledger_records.h"

namespace tollstream {

struct HistoryPoint {
  int64_t start = 0;  // unix seconds: the bucket's first second
  uint64_t contracts_opened = 0;
  uint64_t tokens_paid = 0;
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t streams = 0;  // the most seen at once in the bucket
  uint64_t viewers = 0;

  json ToJson() const;
  static std::optional<HistoryPoint> FromJson(const json& j);
  void Add(const HistoryPoint& other);  // sums the counts, keeps the larger gauges
};

class History {
 public:
  static constexpr size_t kHourPoints = 60;  // steps
  static constexpr size_t kDayPoints = 24;   // hours (60 steps each)

  // `path`: where the points are kept ("" keeps them in memory only).
  History(int64_t step_seconds, std::string path);

  // Reads the points kept at `path`; a missing file is an empty history.
  // Errors: a file that cannot be read or parsed (the history starts empty).
  Status Load();
  // Writes the points, the buckets in progress and the last totals to
  // `path` (a temporary file, synced, then renamed).
  Status Save() const;

  // What the ledger and the registry show at `now`. The first sample of a
  // history with no totals kept only sets the totals the next ones are
  // counted from. Returns true when a step ended (the caller may Save).
  bool Sample(int64_t now, const Totals& totals, uint64_t streams, uint64_t viewers);

  // {"step": seconds, "hour": [points], "day": [points]}, oldest first; each
  // list ends with the bucket in progress.
  json ToJson() const;
  int64_t step() const { return m_step; }

 private:
  void EndStep();

  const int64_t m_step;
  const std::string m_path;
  mutable std::mutex m_mutex;
  std::deque<HistoryPoint> m_hour, m_day;  // finished buckets
  HistoryPoint m_step_now, m_hour_now;     // in progress
  std::optional<Totals> m_last;            // the totals of the last sample
};

}  // namespace tollstream
