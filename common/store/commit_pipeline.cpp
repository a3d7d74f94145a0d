#include "common/store/commit_pipeline.h"

#include "common/observe/log.h"
#include "common/store/short_slice.h"

namespace tollstream {

CommitPipeline::CommitPipeline(KvStore& store, std::chrono::microseconds gather)
    : m_store(store), m_gather(gather), m_thread([this] { Run(); }) {}

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
    auto it = m_overlay.find(std::string(key));
    if (it != m_overlay.end()) return it->second.value;
  }
  // Not pending: the store has the newest value. An entry leaves the overlay
  // only after its batch is written, so nothing is missed in between.
  return m_store.Get(key);
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

Result<uint64_t> CommitPipeline::Submit(std::vector<KvWrite> writes, Announcement* fulfils) {
  std::lock_guard lock(m_mutex);
  if (fulfils != nullptr && fulfils->m_pipeline == this) {
    fulfils->m_pipeline = nullptr;
    Unannounce();
  }
  if (m_failure) return *m_failure;
  uint64_t seq = ++m_submitted;
  for (const auto& w : writes) m_overlay[w.key] = OverlayEntry{seq, w.value};
  // A writer that is busy looks at the queue again before it sleeps.
  if (m_queue.empty()) m_queued.notify_one();
  m_queue.push_back(Pending{seq, std::move(writes)});
  return seq;
}

Status CommitPipeline::WaitDurable(uint64_t seq) {
  Waiter waiter{seq, {}, {}, false, std::nullopt};
  {
    std::lock_guard lock(m_mutex);
    if (m_durable_seq >= seq) return Status::Ok();
    if (m_failure) return *m_failure;
    m_waiters.emplace(seq, &waiter);
  }
  std::unique_lock lock(waiter.mutex);
  waiter.cv.wait(lock, [&] { return waiter.done; });
  if (waiter.failure) return *waiter.failure;
  return Status::Ok();
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
    std::vector<Waiter*> ready;
    std::unique_lock lock(m_mutex);
    if (!written) {
      LogError("commit failed; refusing all changes from now on: " + written.error().message);
      m_failure = written.error();
      for (auto& [seq, waiter] : m_waiters) ready.push_back(waiter);
      m_waiters.clear();
      std::optional<Error> failure = m_failure;
      lock.unlock();
      Wake(ready, failure);
      return;
    }
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

}  // namespace tollstream
