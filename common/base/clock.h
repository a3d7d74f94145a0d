// Time as the protocol counts it: whole seconds since the Unix epoch
// (UnixNow); and whole seconds of a clock that never jumps, for measuring
// how long something took or how long a peer has been quiet (SteadySeconds).
#pragma once

#include <chrono>
#include <cstdint>

namespace tollstream {

inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tollstream
