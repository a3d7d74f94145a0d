#include "tracker/pg/pg_pool.h"

namespace tollstream {

Result<PgPool::Lease> PgPool::Acquire() {
  {
    std::lock_guard lock(m_mutex);
    if (!m_idle.empty()) {
      auto conn = std::move(m_idle.back());
      m_idle.pop_back();
      return Lease(this, std::move(conn));
    }
  }
  auto opened = PgConnection::Open(m_url);
  if (!opened) return opened.error();
  return Lease(this, std::move(*opened));
}

void PgPool::Clear() {
  std::vector<std::unique_ptr<PgConnection>> closing;
  std::lock_guard lock(m_mutex);
  closing.swap(m_idle);
}

void PgPool::Return(std::unique_ptr<PgConnection> conn) {
  if (!conn->idle()) return;  // closed: a new one is opened when needed
  std::lock_guard lock(m_mutex);
  if (m_idle.size() < m_keep) m_idle.push_back(std::move(conn));
}

}  // namespace tollstream
