// Time as the protocol counts it: whole seconds since the Unix epoch
// (UnixNow); and whole seconds of a clock that never jumps, for measuring
// how long something took or how long a peer has been quiet (SteadyMillis:
// in whole seconds, a quiet spell that began late in one second would be
// counted from its start, up to a second too long).
#pragma once

#include <chrono>
#include <cstdint>

namespace tollstream {

inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline int64_t SteadyMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace tollstream
