// Dispatch of a program's subcommands ("tracker run ...", "peer watch ...").
#pragma once

#include <span>
#include <string_view>

namespace tollstream {

struct CliCommand {
  const char* name;
  const char* help;                   // printed for `<program> <name> --help`
  int (*run)(int argc, char** argv);  // argv[1] is the command's name
};

// Runs the command argv[1] names. Prints `usage` for no command (exit 2) or
// --help (exit 0), "<program> <version> (commit <commit>)" for --version, a command's help when its
// arguments include --help, and an error for an unknown command (exit 2). Otherwise returns the
// command's status.
int RunCommandTable(std::string_view program, const char* usage,
                    std::span<const CliCommand> commands, int argc, char** argv);

// How a command of `program` that cannot go on says so: "<program>:
// <message>" on stderr. Returns the exit status for an error, 2.
int CommandFailed(std::string_view program, std::string_view message);

}  // namespace tollstream
