#include "common/observe/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "common/wire/json.h"

namespace tollstream {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
std::atomic<LogFormat> g_format{LogFormat::kText};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "?";
}

std::string Stamp() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return stamp;
}

void Write(std::string line) {
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);  // one call: records do not interleave
}

// A JSON record: the common members, then `more`.
void WriteJson(LogLevel level, std::string_view message, json more) {
  json record = {{"ts", Stamp()}, {"level", LevelName(level)}, {"msg", std::string(message)}};
  record.update(more);
  Write(record.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

void SetLogLevel(LogLevel level) {
  g_level = level;
}

void SetLogFormat(LogFormat format) {
  g_format = format;
}

bool LogEnabled(LogLevel level) {
  return level >= g_level.load(std::memory_order_relaxed);
}

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    if (name == LevelName(l)) return l;
  }
  return std::nullopt;
}

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  if (g_format == LogFormat::kJson) return WriteJson(level, message, json::object());
  std::string name = LevelName(level);
  for (char& c : name) c = static_cast<char>(c - 'a' + 'A');
  std::string line = Stamp() + " " + name + " ";
  line.append(message);
  Write(std::move(line));
}

void LogRequest(std::string_view method, std::string_view route, int status, double seconds,
                std::string_view client, std::string_view scheme) {
  if (!LogEnabled(LogLevel::kDebug)) return;
  double ms = static_cast<double>(static_cast<int64_t>(seconds * 1e6)) / 1e3;
  if (g_format == LogFormat::kJson) {
    return WriteJson(LogLevel::kDebug, "request",
                     {{"method", std::string(method)},
                      {"route", std::string(route)},
                      {"status", status},
                      {"duration_ms", ms},
                      {"client", std::string(client)},
                      {"scheme", std::string(scheme)}});
  }
  Log(LogLevel::kDebug, "request " + std::string(method) + " " + std::string(route) + " " +
                            std::to_string(status) + " " + std::to_string(ms) + " ms from " +
                            std::string(client) + " over " + std::string(scheme));
}

}  // namespace tollstream
