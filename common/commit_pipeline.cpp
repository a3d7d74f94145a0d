#include "common/commit_pipeline.h"

#include "common/log.h"

namespace tollstream {

CommitPipeline::CommitPipeline(KvStore& store) : m_store(store), m_thread([this] { Run(); }) {}

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

Result<uint64_t> CommitPipeline::Submit(std::vector<KvWrite> writes) {
  std::lock_guard lock(m_mutex);
  if (m_failure) return *m_failure;
  uint64_t seq = ++m_submitted;
  for (const auto& w : writes) m_overlay[w.key] = OverlayEntry{seq, w.value};
  m_queue.push_back(Pending{seq, std::move(writes)});
  m_queued.notify_one();
  return seq;
}

Status CommitPipeline::WaitDurable(uint64_t seq) {
  std::unique_lock lock(m_mutex);
  if (m_durable_seq < seq && !m_failure) {
    Waiter waiter{seq, {}};
    auto entry = m_waiters.emplace(seq, &waiter);
    waiter.cv.wait(lock, [&] { return m_durable_seq >= seq || m_failure.has_value(); });
    m_waiters.erase(entry);
  }
  if (m_durable_seq >= seq) return Status::Ok();
  return *m_failure;
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
  for (;;) {
    std::deque<Pending> group;
    {
      std::unique_lock lock(m_mutex);
      m_queued.wait(lock, [&] { return !m_queue.empty() || m_stopping; });
      if (m_queue.empty()) return;  // stopping, and everything is written
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
    std::lock_guard lock(m_mutex);
    if (!written) {
      LogError("commit failed; refusing all changes from now on: " + written.error().message);
      m_failure = written.error();
      for (auto& [seq, waiter] : m_waiters) waiter->cv.notify_one();
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
    for (auto it = m_waiters.begin(); it != m_waiters.end() && it->first <= m_durable_seq; ++it) {
      it->second->cv.notify_one();
    }
  }
}

}  // namespace tollstream
