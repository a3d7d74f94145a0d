// Connections to one PostgreSQL database, shared by a tracker's threads:
// each caller leases one for a transaction and gives it back. At most
// `most` are open at once (the server's max_connections is shared by every
// instance): a caller waits for one to be given back. A connection
// given back broken or inside a transaction is closed, and a new one is
// opened on the next lease, so a tracker recovers by itself once the
// database is back.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "tracker/pg/pg_connection.h"

namespace tollstream {

class PgPool {
 public:
  PgPool(std::string url, size_t most) : m_url(std::move(url)), m_most(most) {}

  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> conn)
        : m_pool(pool), m_conn(std::move(conn)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (m_conn) m_pool->Return(std::move(m_conn));
    }
    PgConnection& operator*() const { return *m_conn; }
    PgConnection* operator->() const { return m_conn.get(); }

   private:
    PgPool* m_pool;
    std::unique_ptr<PgConnection> m_conn;
  };

  // An idle connection, opened if none is. Errors: as PgConnection::Open.
  Result<Lease> Acquire();
  // Closes the idle connections (after one was found broken: the database
  // restarted, so all are).
  void Clear();

 private:
  void Return(std::unique_ptr<PgConnection> conn);

  const std::string m_url;
  const size_t m_most;
  std::mutex m_mutex;
  std::condition_variable m_returned;
  size_t m_open = 0;  // leased or idle
  std::vector<std::unique_ptr<PgConnection>> m_idle;
};

}  // namespace tollstream
