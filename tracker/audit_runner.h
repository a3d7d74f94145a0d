// The ledger audit as a running tracker does it: once at start, before it
// serves (RunAtStart: a ledger that does not pass is not served), then every
// interval, and whenever the `audit` method asks. One audit runs at a time,
// each on a snapshot of the store, so requests never wait behind it. The last
// finished audit is kept for the dashboard and /metrics.
//
// A requested audit that finds a scheduled one running waits for it to end,
// then runs its own (its answer must show a state no older than the request);
// one that finds another requested audit running is refused (kBusy). Stop()
// ends a running audit within a few thousand records and records nothing of it.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/store/kv_store.h"
#include "common/wire/json.h"
#include "tracker/audit.h"

namespace tollstream {

struct AuditRun {
  std::string trigger;                // "start", "schedule" or "request"
  int64_t started = 0;                // unix seconds
  double seconds = 0;                 // how long it took
  std::optional<AuditReport> report;  // absent when the ledger could not be read
  std::string error;                  // then: why

  bool ok() const { return report && report->ok; }
  json ToJson() const;
};

class AuditRunner {
 public:
  // How the ledger is audited (its store's audit); `stop` ends it early.
  using Audit = std::function<Result<AuditReport>(const std::atomic<bool>* stop)>;
  AuditRunner(Audit audit, std::function<int64_t()> clock);
  // The LevelDB ledger in `store`.
  AuditRunner(const KvStore& store, std::function<int64_t()> clock);
  ~AuditRunner();  // Stop()
  AuditRunner(const AuditRunner&) = delete;
  AuditRunner& operator=(const AuditRunner&) = delete;

  // Audits now, for a request. Errors: kBusy (another requested audit is
  // running), kUnavailable (the store cannot be read, or the runner stops).
  Result<AuditReport> RunRequested();

  // Audits now, in the caller's thread, recorded as the audit at "start".
  // Errors: kUnavailable (the ledger cannot be read: damage or I/O, named),
  // kConflict (it does not hold: the message names its first problems).
  Status RunAtStart();

  // Audits in the background every `interval_seconds` (0: never again),
  // the first time at once when `now` (without RunAtStart, that is the
  // audit at start). Call at most once.
  void StartSchedule(int64_t interval_seconds, bool now = true);
  // Ends the schedule and any running audit; returns once they have ended.
  void Stop();

  std::optional<AuditRun> last() const;
  bool running() const;
  // The audit's readiness check (/readyz): ok when the last audit passed;
  // kUnavailable before any has run; kInternal saying what the last one
  // found (or why it could not read the ledger).
  Status LastPassed() const;

 private:
  enum class Holder { kNone, kScheduled, kRequested };
  Result<AuditReport> Run(const std::string& trigger);
  void Schedule(int64_t interval_seconds, bool now);

  Audit m_audit;
  std::function<int64_t()> m_clock;
  std::atomic<bool> m_stop{false};
  mutable std::mutex m_mutex;
  std::condition_variable m_changed;  // the holder changed, or stopping
  Holder m_holder = Holder::kNone;
  std::optional<AuditRun> m_last;
  std::thread m_thread;
};

}  // namespace tollstream
