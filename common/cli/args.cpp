#include "common/cli/args.h"

#include <charconv>

namespace tollstream {

Result<Args> Args::Parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                         const std::set<std::string>& switches) {
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
