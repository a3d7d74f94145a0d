#include "tracker/pg/pg_pool.h"

namespace tollstream {

Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::unique_lock lock(m_mutex);
    m_returned.wait(lock, [&] { return !m_idle.empty() || m_open < m_most; });
    if (!m_idle.empty()) {
      auto conn = std::move(m_idle.back());
      m_idle.pop_back();
      return Lease(this, std::move(conn));
    }
    ++m_open;  // this caller's, from here
  }
  auto opened = PgConnection::Open(m_url);
  if (!opened) {
    std::lock_guard lock(m_mutex);
    --m_open;
    m_returned.notify_one();
    return opened.error();
  }
  return Lease(this, std::move(*opened));
}

void PgPool::Clear() {
  std::vector<std::unique_ptr<PgConnection>> closing;
  {
    std::lock_guard lock(m_mutex);
    closing.swap(m_idle);
    m_open -= closing.size();
  }
  m_returned.notify_all();
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  std::unique_ptr<PgConnection> closing;
  {
    std::lock_guard lock(m_mutex);
    if (conn->idle()) {
      m_idle.push_back(std::move(conn));
    } else {
      closing = std::move(conn);  // broken, or left in a transaction
      --m_open;
    }
  }
  m_returned.notify_one();
}

}  // namespace tollstream
