#include "common/client/tracker_pool.h"

#include <algorithm>

namespace tollstream {

TrackerPool::TrackerPool(std::unique_ptr<TrackerClient> first, size_t size)
    : m_url(first->url()),
      m_key(first->key()),
      m_tracker(*first->tracker()),
      m_clock_offset(first->clock_offset()),
      m_size(std::max<size_t>(size, 1)) {
  m_idle.push_back(std::move(first));
  m_made = 1;
}

TrackerPool::~TrackerPool() = default;

size_t TrackerPool::made() const {
  std::lock_guard lock(m_mutex);
  return m_made;
}

std::unique_ptr<TrackerClient> TrackerPool::Acquire() {
  {
    std::unique_lock lock(m_mutex);
    m_returned.wait(lock, [&] { return !m_idle.empty() || m_made < m_size; });
    if (!m_idle.empty()) {
      auto client = std::move(m_idle.back());
      m_idle.pop_back();
      return client;
    }
    ++m_made;
  }
  // A new client, made outside the lock. Should its handshake fail, its
  // calls fail (and retry) the same way, stamped with the local clock.
  auto client = std::make_unique<TrackerClient>(m_url, m_key);
  client->Pin(m_tracker);
  (void)client->Handshake();
  return client;
}

void TrackerPool::Release(std::unique_ptr<TrackerClient> client) {
  {
    std::lock_guard lock(m_mutex);
    m_idle.push_back(std::move(client));
  }
  m_returned.notify_one();
}

}  // namespace tollstream
