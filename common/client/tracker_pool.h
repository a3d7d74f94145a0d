// A bounded pool of tracker clients, so that a node's calls to the tracker
// run side by side (one TrackerClient serves one call at a time).
//
// Clients are made on demand, up to `size`, from the first client's URL and
// key, with its pinned tracker key; each new one does its own handshake.
// When all are busy, a caller waits for one to come back.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "common/client/tracker_client.h"

namespace tollstream {

class TrackerPool {
 public:
  // `first` has done its handshake (its tracker key is pinned).
  TrackerPool(std::unique_ptr<TrackerClient> first, size_t size);
  ~TrackerPool();

  // Runs f(TrackerClient&) with a client of its own; returns what f returns.
  template <typename F>
  auto Use(F f) {
    Lease lease(*this);
    return f(*lease.client);
  }

  const PublicKey& tracker() const { return m_tracker; }
  int64_t clock_offset() const { return m_clock_offset; }
  // How many clients exist now (for tests and status).
  size_t made() const;

 private:
  struct Lease {
    explicit Lease(TrackerPool& p) : pool(p), client(p.Acquire()) {}
    ~Lease() { pool.Release(std::move(client)); }
    TrackerPool& pool;
    std::unique_ptr<TrackerClient> client;
  };
  std::unique_ptr<TrackerClient> Acquire();
  void Release(std::unique_ptr<TrackerClient> client);

  const std::string m_url;
  const KeyPair m_key;
  const PublicKey m_tracker;
  const int64_t m_clock_offset;
  const size_t m_size;
  mutable std::mutex m_mutex;
  std::condition_variable m_returned;
  std::vector<std::unique_ptr<TrackerClient>> m_idle;
  size_t m_made = 0;
};

}  // namespace tollstream
