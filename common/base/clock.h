// Wall-clock time as the protocol counts it: whole seconds since the Unix epoch.
#pragma once

#include <chrono>
#include <cstdint>

namespace tollstream {

inline int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tollstream
