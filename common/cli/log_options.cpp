#include "common/cli/log_options.h"

#include "common/observe/log.h"

namespace tollstream {

std::set<std::string> WithLogOptions(std::set<std::string> names) {
  names.insert(kLogOptions.begin(), kLogOptions.end());
  return names;
}

Status ApplyLogOptions(const Args& args) {
  if (auto level = args.Get("log-level")) {
    auto parsed = ParseLogLevel(*level);
    if (!parsed) {
      return MakeError(ErrorCode::kInvalidField, "--log-level: debug, info, warn or error");
    }
    SetLogLevel(*parsed);
  }
  if (auto format = args.Get("log-format")) {
    if (*format != "text" && *format != "json") {
      return MakeError(ErrorCode::kInvalidField, "--log-format: text or json");
    }
    SetLogFormat(*format == "json" ? LogFormat::kJson : LogFormat::kText);
  }
  return Status::Ok();
}

}  // namespace tollstream
