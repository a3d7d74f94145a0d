#include "common/cli/args.h"

#include <charconv>
#include <cstdlib>
#include <fstream>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

constexpr const char* kEnvPrefix = "TOLLSTREAM_";
// What moves tokens is typed each time: never from the environment or a file.
const std::set<std::string> kCommandLineOnly = {"to", "amount"};

std::string EnvName(const std::string& option) {
  std::string name = kEnvPrefix;
  for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return name;
}

}  // namespace

Status Args::Take(const std::string& name, const std::string& value,
                  const std::set<std::string>& valued, const std::set<std::string>& switches,
                  const std::string& where) {
  if (Has(name) || m_decided.contains(name)) return Status::Ok();  // by a source that wins
  m_decided.insert(name);
  if (valued.contains(name)) {
    m_values[name] = value;
  } else if (switches.contains(name)) {
    if (value == "true" || value == "1" || value == "yes") {
      m_switches.insert(name);
    } else if (value != "false" && value != "0" && value != "no") {
      return MakeError(ErrorCode::kInvalidField,
                       where + ": " + name + " is a switch: true or false");
    }
  } else {
    return MakeError(ErrorCode::kInvalidField,
                     where + ": unknown option '" + name + "' (see --help)");
  }
  return Status::Ok();
}

Status Args::Fill(const std::set<std::string>& valued, const std::set<std::string>& switches) {
  for (const auto* names : {&valued, &switches}) {
    for (const auto& name : *names) {
      if (kCommandLineOnly.contains(name)) continue;
      if (const char* value = std::getenv(EnvName(name).c_str())) {
        if (Status s = Take(name, value, valued, switches, EnvName(name)); !s) return s;
      }
    }
  }
  std::optional<std::string> config = Get("config");
  if (!config) return Status::Ok();
  std::ifstream in(*config);
  if (!in) return MakeError(ErrorCode::kInvalidField, "cannot read the config file " + *config);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    line = std::string(Trim(line, kLineBlanks));
    if (line.empty() || line[0] == '#') continue;
    std::string where = *config + ":" + std::to_string(number);
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return MakeError(ErrorCode::kInvalidField, where + ": write name = value");
    }
    std::string name(Trim(std::string_view(line).substr(0, eq), kLineBlanks));
    if (name == "config") {
      return MakeError(ErrorCode::kInvalidField, where + ": a config file names no other");
    }
    if (kCommandLineOnly.contains(name)) {
      return MakeError(ErrorCode::kInvalidField,
                       where + ": " + name + " is given on the command line only");
    }
    std::string value(Trim(std::string_view(line).substr(eq + 1), kLineBlanks));
    if (Status s = Take(name, value, valued, switches, where); !s) return s;
  }
  return Status::Ok();
}

Result<Args> Args::Parse(int argc, char** argv, int first, const std::set<std::string>& given,
                         const std::set<std::string>& switches) {
  std::set<std::string> valued = given;
  valued.insert("config");
  Args args;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      args.m_positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (switches.contains(name) && !value) {
      args.m_switches.insert(name);
    } else if (valued.contains(name)) {
      if (!value) {
        if (i + 1 >= argc)
          return MakeError(ErrorCode::kInvalidField, "--" + name + " needs a value");
        value = argv[++i];
      }
      args.m_values[name] = *value;
    } else {
      return MakeError(ErrorCode::kInvalidField, "unknown option --" + name + " (see --help)");
    }
  }
  valued.erase("config");
  if (Status s = args.Fill(valued, switches); !s) return s.error();
  return args;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = m_values.find(name);
  if (it == m_values.end()) return std::nullopt;
  return it->second;
}

Result<std::string> Args::Require(const std::string& name) const {
  auto v = Get(name);
  if (!v) return MakeError(ErrorCode::kInvalidField, "--" + name + " is required (see --help)");
  return *v;
}

Result<int64_t> Args::Integer(const std::string& name, int64_t fallback, int64_t min,
                              int64_t max) const {
  auto v = Get(name);
  if (!v) return fallback;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || end != v->data() + v->size() || n < min || n > max) {
    return MakeError(ErrorCode::kInvalidField, "--" + name + " must be an integer from " +
                                                   std::to_string(min) + " to " +
                                                   std::to_string(max));
  }
  return n;
}

bool Args::Has(const std::string& name) const {
  return m_switches.contains(name) || m_values.contains(name);
}

}  // namespace tollstream
