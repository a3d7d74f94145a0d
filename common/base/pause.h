// Sleeping that a stop request cuts short: a loop that waits between tries
// still stops at once when asked to.
#pragma once

#include <atomic>
#include <chrono>
#include <thread>

namespace tollstream {

// Sleeps up to `ms` milliseconds, returning early (within 20 ms) once `stop` is set.
inline void PauseUnless(const std::atomic<bool>& stop, int64_t ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace tollstream
