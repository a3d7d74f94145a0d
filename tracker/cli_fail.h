// How a `tracker` command that cannot go on says so: "tracker: <message>"
// on stderr (CommandFailed, common/cli/command_table.h). Returns 2.
#pragma once

#include <string>

#include "common/base/error.h"

namespace tollstream {

int Fail(const std::string& message);
int Fail(const Error& e);

}  // namespace tollstream
