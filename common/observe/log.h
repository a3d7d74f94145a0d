// One-line log records on stderr: "2026-11-23T09:41:07Z INFO message".
// Thread-safe; a record is written whole.
#pragma once

#include <string_view>

namespace tollstream {

enum class LogLevel { kInfo, kWarn, kError };

void Log(LogLevel level, std::string_view message);

inline void LogInfo(std::string_view m) {
  Log(LogLevel::kInfo, m);
}
inline void LogWarn(std::string_view m) {
  Log(LogLevel::kWarn, m);
}
inline void LogError(std::string_view m) {
  Log(LogLevel::kError, m);
}

}  // namespace tollstream
