#include "tracker/audit_runner.h"

#include <chrono>

#include "common/observe/log.h"

namespace tollstream {

json AuditRun::ToJson() const {
  return {{"trigger", trigger},
          {"started", started},
          {"seconds", seconds},
          {"ok", ok()},
          {"report", report ? report->ToJson() : json(nullptr)},
          {"error", report ? json(nullptr) : json(error)}};
}

AuditRunner::AuditRunner(Audit audit, std::function<int64_t()> clock)
    : m_audit(std::move(audit)), m_clock(std::move(clock)) {}

AuditRunner::AuditRunner(const KvStore& store, std::function<int64_t()> clock)
    : AuditRunner([&store](const std::atomic<bool>* stop) { return AuditLedger(store, stop); },
                  std::move(clock)) {}

AuditRunner::~AuditRunner() {
  Stop();
}

Result<AuditReport> AuditRunner::RunRequested() {
  {
    std::unique_lock lock(m_mutex);
    m_changed.wait(lock, [&] { return m_holder != Holder::kScheduled || m_stop; });
    if (m_stop) return MakeError(ErrorCode::kUnavailable, "the tracker is stopping");
    if (m_holder == Holder::kRequested)
      return MakeError(ErrorCode::kBusy, "an audit is running; try again");
    m_holder = Holder::kRequested;
  }
  return Run("request");
}

Result<AuditReport> AuditRunner::Run(const std::string& trigger) {
  AuditRun run;
  run.trigger = trigger;
  run.started = m_clock();
  auto begin = std::chrono::steady_clock::now();
  auto report = m_audit(&m_stop);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  {
    std::lock_guard lock(m_mutex);
    m_holder = Holder::kNone;
    if (!m_stop) {
      if (report) {
        run.report = *report;
      } else {
        run.error = report.error().message;
      }
      m_last = std::move(run);
    }
  }
  m_changed.notify_all();
  return report;
}

Status AuditRunner::RunAtStart() {
  {
    std::lock_guard lock(m_mutex);
    m_holder = Holder::kScheduled;
  }
  auto report = Run("start");
  if (!report) return report.error();
  if (report->ok) return Status::Ok();
  std::string problems;
  for (size_t i = 0; i < report->problems.size() && i < 3; ++i) {
    problems += (i == 0 ? "" : "; ") + report->problems[i];
  }
  if (report->problems.size() > 3) {
    problems += "; and " + std::to_string(report->problems.size() - 3) + " more";
  }
  return MakeError(ErrorCode::kConflict, "the ledger does not pass its audit: " + problems);
}

void AuditRunner::StartSchedule(int64_t interval_seconds, bool now) {
  if (!now && interval_seconds == 0) return;
  m_thread = std::thread([this, interval_seconds, now] { Schedule(interval_seconds, now); });
}

void AuditRunner::Schedule(int64_t interval_seconds, bool now) {
  std::string trigger = now ? "start" : "schedule";
  if (!now) {
    std::unique_lock lock(m_mutex);
    if (m_changed.wait_for(lock, std::chrono::seconds(interval_seconds),
                           [&] { return m_stop.load(); }))
      return;
  }
  for (;;) {
    bool mine = false;
    {
      std::lock_guard lock(m_mutex);
      if (m_stop) return;
      // A requested audit running now records its result anyway.
      if (m_holder == Holder::kNone) {
        m_holder = Holder::kScheduled;
        mine = true;
      }
    }
    if (mine) {
      auto report = Run(trigger);
      if (!report) {
        if (!m_stop) LogError("audit: " + report.error().message);
      } else if (!report->ok) {
        LogError("audit: the ledger does not hold: " +
                 (report->problems.empty() ? std::string("?") : report->problems.front()));
      }
    }
    if (interval_seconds == 0) return;
    trigger = "schedule";
    std::unique_lock lock(m_mutex);
    if (m_changed.wait_for(lock, std::chrono::seconds(interval_seconds),
                           [&] { return m_stop.load(); }))
      return;
  }
}

void AuditRunner::Stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stop = true;
  }
  m_changed.notify_all();
  if (m_thread.joinable()) m_thread.join();
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_holder == Holder::kNone; });
}

std::optional<AuditRun> AuditRunner::last() const {
  std::lock_guard lock(m_mutex);
  return m_last;
}

Status AuditRunner::LastPassed() const {
  auto run = last();
  if (!run) return MakeError(ErrorCode::kUnavailable, "no audit has run yet");
  if (run->ok()) return Status::Ok();
  return MakeError(ErrorCode::kInternal,
                   run->error.empty() ? "the last audit found the ledger wrong" : run->error);
}

bool AuditRunner::running() const {
  std::lock_guard lock(m_mutex);
  return m_holder != Holder::kNone;
}

}  // namespace tollstream
