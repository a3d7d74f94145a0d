#include "common/observe/log.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

namespace tollstream {
namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kInfo:
      return "INFO";
    case LogLevel::kWarn:
      return "WARN";
    case LogLevel::kError:
      return "ERROR";
  }
  return "?";
}

}  // namespace

void Log(LogLevel level, std::string_view message) {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string line = std::string(stamp) + " " + LevelName(level) + " ";
  line.append(message);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call: records do not interleave
}

}  // namespace tollstream
