// The log options every serving command takes (tracker run, peer broadcast,
// peer watch): --log-level debug|info|warn|error (default info; debug adds
// a line per HTTP request) and --log-format text|json (common/observe/log.h).
#pragma once

#include <set>
#include <string>

#include "common/base/result.h"
#include "common/cli/args.h"

namespace tollstream {

inline const std::set<std::string> kLogOptions = {"log-level", "log-format"};

// The option names `names` and kLogOptions.
std::set<std::string> WithLogOptions(std::set<std::string> names);

// Sets the log's level and format from `args`. Errors: kInvalidField.
Status ApplyLogOptions(const Args& args);

}  // namespace tollstream
