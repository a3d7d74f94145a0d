#include "common/store/commit_pipeline.h"

#include "common/observe/log.h"
#include "common/store/short_slice.h"

namespace tollstream {
namespace {

// How long a reopening waits for reads of the store in progress to end.
constexpr auto kDrain = std::chrono::seconds(1);

}  // namespace

CommitPipeline::CommitPipeline(KvStore& store, std::chrono::microseconds gather,
                               std::chrono::milliseconds retry)
    : m_store(store), m_gather(gather), m_retry(retry), m_thread([this] { Run(); }) {}

CommitPipeline::~CommitPipeline() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_queued.notify_all();
  m_thread.join();
}

Result<std::optional<std::string>> CommitPipeline::Read(std::string_view key) const {
  {
    std::lock_guard lock(m_mutex);
    std::string k(key);
    if (!m_in_doubt.empty() && m_in_doubt.contains(k)) {
      return MakeError(ErrorCode::kInternal,
                       "the outcome of a change to " + k +
                           " is unknown (a sync failed); the store is being reopened");
    }
    auto it = m_overlay.find(k);
    if (it != m_overlay.end()) return it->second.value;
  }
  // Not pending: the store has the newest value. An entry leaves the overlay
  // only after its batch is written, so nothing is missed in between.
  return m_store.Get(key);
}

uint64_t CommitPipeline::epoch() const {
  std::lock_guard lock(m_mutex);
  return m_epoch;
}

CommitPipeline::Announcement CommitPipeline::Announce() {
  std::lock_guard lock(m_mutex);
  ++m_announced;
  return Announcement(this);
}

void CommitPipeline::Announcement::Release() {
  if (m_pipeline == nullptr) return;
  std::lock_guard lock(m_pipeline->m_mutex);
  m_pipeline->Unannounce();
  m_pipeline = nullptr;
}

void CommitPipeline::Unannounce() {
  if (--m_announced == 0 && m_gathering) m_queued.notify_one();
}

Result<uint64_t> CommitPipeline::Submit(std::vector<KvWrite> writes, Announcement* fulfils,
                                        std::optional<uint64_t> read_in) {
  std::lock_guard lock(m_mutex);
  if (fulfils != nullptr && fulfils->m_pipeline == this) {
    fulfils->m_pipeline = nullptr;
    Unannounce();
  }
  if (m_failure) return *m_failure;
  if (read_in && *read_in != m_epoch) {
    return MakeError(ErrorCode::kUnavailable,
                     "storage failed while the change was prepared; it was not applied");
  }
  uint64_t seq = ++m_submitted;
  m_readable = seq;
  for (const auto& w : writes) m_overlay[w.key] = OverlayEntry{seq, w.value};
  // A writer that is busy looks at the queue again before it sleeps.
  if (m_queue.empty()) m_queued.notify_one();
  m_queue.push_back(Pending{seq, std::move(writes)});
  return seq;
}

std::optional<Error> CommitPipeline::DroppedError(uint64_t seq) const {
  for (const auto& d : m_dropped) {
    if (seq <= d.from || seq > d.to) continue;
    if (seq <= d.unknown_to) {
      return MakeError(ErrorCode::kInternal,
                       "storage failed (" + d.why +
                           ") with the outcome of this change unknown: send the same request "
                           "again once the tracker is back to learn it");
    }
    return MakeError(ErrorCode::kUnavailable,
                     "storage failed (" + d.why + "); the change was not applied");
  }
  return std::nullopt;
}

Status CommitPipeline::WaitDurable(uint64_t seq) {
  Waiter waiter{seq, {}, {}, false, std::nullopt};
  {
    std::lock_guard lock(m_mutex);
    if (auto dropped = DroppedError(seq)) return *dropped;
    if (m_durable_seq >= seq) return Status::Ok();
    m_waiters.emplace(seq, &waiter);
  }
  std::unique_lock lock(waiter.mutex);
  waiter.cv.wait(lock, [&] { return waiter.done; });
  if (waiter.failure) return *waiter.failure;
  return Status::Ok();
}

Status CommitPipeline::WaitReadDurable(uint64_t epoch) {
  uint64_t seq = 0;
  {
    std::lock_guard lock(m_mutex);
    if (epoch != m_epoch) {
      return MakeError(ErrorCode::kUnavailable, "storage failed while this was read");
    }
    seq = m_readable;
  }
  return WaitDurable(seq);
}

void CommitPipeline::Wake(const std::vector<Waiter*>& ready, const std::optional<Error>& failure) {
  for (Waiter* w : ready) {
    // Notified under its mutex: the waiter cannot return, and its Waiter
    // end, before this thread is done with it.
    std::lock_guard lock(w->mutex);
    w->done = true;
    w->failure = failure;
    w->cv.notify_one();
  }
}

uint64_t CommitPipeline::last_submitted() const {
  std::lock_guard lock(m_mutex);
  return m_submitted;
}

CommitPipeline::Stats CommitPipeline::stats() const {
  std::lock_guard lock(m_mutex);
  return m_stats;
}

CommitPipeline::Health CommitPipeline::health() const {
  std::lock_guard lock(m_mutex);
  return Health{!m_failure.has_value(), m_last_error, m_failures};
}

void CommitPipeline::Run() {
  // Woken by a completed sync while the cores are busy, the writer would
  // otherwise wait out another thread's slice before it wakes the waiters.
  (void)RequestShortSlice();
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock lock(m_mutex);
      m_queued.wait(lock, [&] { return !m_queue.empty() || m_stopping; });
      if (m_queue.empty()) return;  // stopping, and everything is written
      if (m_announced > 0 && m_gather.count() > 0) {
        m_gathering = true;
        m_queued.wait_for(lock, m_gather, [&] { return m_announced == 0 || m_stopping; });
        m_gathering = false;
      }
      group.swap(m_queue);
    }
    KvBatch batch;
    for (const auto& change : group) {
      for (const auto& w : change.writes) {
        if (w.value) {
          batch.Put(w.key, *w.value);
        } else {
          batch.Delete(w.key);
        }
      }
    }
    Status written = m_store.Write(batch, /*sync=*/true);
    if (!written) {
      Fail(group, written.error());
      if (!Recover()) return;
      continue;
    }
    std::vector<Waiter*> ready;
    std::unique_lock lock(m_mutex);
    m_durable_seq = group.back().seq;
    ++m_stats.groups;
    m_stats.changes += group.size();
    for (const auto& change : group) {
      for (const auto& w : change.writes) {
        auto it = m_overlay.find(w.key);
        if (it != m_overlay.end() && it->second.seq <= m_durable_seq) m_overlay.erase(it);
      }
    }
    // Only the threads whose changes are now on disk: those waiting for
    // the next group sleep on.
    auto end = m_waiters.upper_bound(m_durable_seq);
    for (auto it = m_waiters.begin(); it != end; ++it) ready.push_back(it->second);
    m_waiters.erase(m_waiters.begin(), end);
    lock.unlock();
    Wake(ready, std::nullopt);
  }
}

void CommitPipeline::Fail(const std::deque<Pending>& group, const Error& error) {
  // The store says kInternal when the group may be on disk after all.
  bool unknown = error.code == ErrorCode::kInternal;
  LogError("commit failed; refusing changes until the store is reopened: " + error.message);
  std::vector<std::pair<Waiter*, std::optional<Error>>> answers;
  {
    std::lock_guard lock(m_mutex);
    m_dropped.push_back(Dropped{m_durable_seq, m_submitted,
                                unknown ? group.back().seq : m_durable_seq, error.message});
    m_failure = MakeError(ErrorCode::kUnavailable,
                          "storage failed (" + error.message + "); the store is being reopened");
    ++m_failures;
    m_last_error = error.message;
    if (unknown) {
      for (const auto& change : group) {
        for (const auto& w : change.writes) m_in_doubt.insert(w.key);
      }
    }
    m_queue.clear();
    m_overlay.clear();
    ++m_epoch;
    m_readable = m_durable_seq;
    // Each waiter with its answer: not applied, or unknown.
    for (auto& [seq, waiter] : m_waiters) answers.emplace_back(waiter, DroppedError(seq));
    m_waiters.clear();
  }
  for (const auto& [waiter, why] : answers) Wake({waiter}, why);
}

bool CommitPipeline::Recover() {
  for (uint64_t attempt = 1;; ++attempt) {
    {
      std::unique_lock lock(m_mutex);
      if (m_queued.wait_for(lock, m_retry, [&] { return m_stopping; })) return false;
    }
    Status s = m_store.Reopen(kDrain);
    if (s) s = m_store.Write(KvBatch(), /*sync=*/true);  // room for the log to grow
    if (!s) {
      if (attempt == 1 || attempt % 60 == 0) {
        LogError("store still failing (attempt " + std::to_string(attempt) +
                 "): " + s.error().message);
      }
      continue;
    }
    std::lock_guard lock(m_mutex);
    m_failure.reset();
    m_in_doubt.clear();  // what the reopened store holds is what happened
    LogInfo("store reopened after " + std::to_string(attempt) +
            " attempt(s); accepting changes again");
    return true;
  }
}

}  // namespace tollstream
