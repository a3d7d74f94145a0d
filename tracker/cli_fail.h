// How a `tracker` command that cannot go on says so: "tracker: <message>"
// on stderr (CommandFailed, common/cli/command_table.h). Returns 2.
#pragma once

#include <string>

#include "common/base/error.h"

namespace tollstream {

// In a namespace of their own: the peer's commands have a Fail of the same
// form (peer/node/console.h), and a program may link both libraries.
namespace tracker_cli {
int Fail(const std::string& message);
int Fail(const Error& e);
}  // namespace tracker_cli
using tracker_cli::Fail;

}  // namespace tollstream
