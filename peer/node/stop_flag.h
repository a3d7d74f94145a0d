// A flag that says a node should stop (a signal, or a button on its page),
// which sleepers wake for at once. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace tollstream {

class StopFlag {
 public:
  void Set() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_all();
  }
  // Sleeps up to `d`; returns whether the flag is set.
  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, d, [&] { return m_stop.load(); });
    return m_stop;
  }
  const std::atomic<bool>& flag() const { return m_stop; }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::atomic<bool> m_stop{false};
};

}  // namespace tollstream
