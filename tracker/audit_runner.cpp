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

AuditRunner::AuditRunner(const KvStore& store, std::function<int64_t()> clock)
    : m_store(store), m_clock(std::move(clock)) {}

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
  auto report = AuditLedger(m_store, &m_stop);
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

void AuditRunner::StartSchedule(int64_t interval_seconds) {
  m_thread = std::thread([this, interval_seconds] { Schedule(interval_seconds); });
}

void AuditRunner::Schedule(int64_t interval_seconds) {
  std::string trigger = "start";
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

bool AuditRunner::running() const {
  std::lock_guard lock(m_mutex);
  return m_holder != Holder::kNone;
}

}  // namespace tollstream
