#include "tracker/cli_fail.h"

#include "common/cli/command_table.h"

namespace tollstream::tracker_cli {

int Fail(const std::string& message) {
  return CommandFailed("tracker", message);
}

int Fail(const Error& e) {
  return Fail(e.message);
}

}  // namespace tollstream::tracker_cli
