#include "common/cli/command_table.h"

#include <iostream>
#include <string>

#include "common/base/version.h"

namespace tollstream {

int RunCommandTable(std::string_view program, const char* usage,
                    std::span<const CliCommand> commands, int argc, char** argv) {
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << usage;
    return argc < 2 ? 2 : 0;
  }
  if (std::string_view(argv[1]) == "--version") {
    std::cout << program << " " << Version() << " (commit " << BuildCommit() << ")\n";
    return 0;
  }
  std::string_view name = argv[1];
  for (const auto& command : commands) {
    if (name != command.name) continue;
    for (int i = 2; i < argc; ++i) {
      std::string_view arg = argv[i];
      if (arg == "--help" || arg == "-h") {
        std::cout << command.help;
        return 0;
      }
    }
    return command.run(argc, argv);
  }
  std::cerr << program << ": unknown command '" << name << "'\n" << usage;
  return 2;
}

int CommandFailed(std::string_view program, std::string_view message) {
  std::cerr << program << ": " << message << "\n";
  return 2;
}

}  // namespace tollstream
