// One-line log records on stderr, as text —
//   2026-11-23T09:41:07Z INFO message
// or, with LogFormat::kJson, one JSON object a line —
//   {"ts":"2026-11-23T09:41:07Z","level":"info","msg":"message"}
// (a request's record adds "method", "route", "status" and "duration_ms").
// Records below the level set (default info) are dropped. Thread-safe; a
// record is written whole.
#pragma once

#include <optional>
#include <string_view>

namespace tollstream {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
enum class LogFormat { kText, kJson };

// Set before threads start (the command line's --log-level, --log-format).
void SetLogLevel(LogLevel level);
void SetLogFormat(LogFormat format);
bool LogEnabled(LogLevel level);
// "debug", "info", "warn", "error"; nullopt for anything else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);

void Log(LogLevel level, std::string_view message);
// An HTTP request answered (at debug level): its method, route pattern
// (never the query, which may carry what is not for logs), status and time,
// and the client's address and scheme (HttpRequest::client_addr, scheme).
void LogRequest(std::string_view method, std::string_view route, int status, double seconds,
                std::string_view client, std::string_view scheme);

inline void LogDebug(std::string_view m) {
  Log(LogLevel::kDebug, m);
}
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
