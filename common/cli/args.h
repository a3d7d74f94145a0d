// Command-line flags: "--name value", "--name=value" and boolean "--name".
// Unknown flags and missing values are errors, so typos never pass silently.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

class Args {
 public:
  // Parses argv[first..argc). `valued` flags take a value, `switches` do not.
  static Result<Args> Parse(int argc, char** argv, int first, const std::set<std::string>& valued,
                            const std::set<std::string>& switches);

  std::optional<std::string> Get(const std::string& name) const;
  // Errors: kInvalidField naming the missing flag.
  Result<std::string> Require(const std::string& name) const;
  // The value as an integer in [min, max], or `fallback` when absent.
  Result<int64_t> Integer(const std::string& name, int64_t fallback, int64_t min,
                          int64_t max) const;
  bool Has(const std::string& name) const;
  const std::vector<std::string>& positional() const { return m_positional; }

 private:
  std::map<std::string, std::string> m_values;
  std::set<std::string> m_switches;
  std::vector<std::string> m_positional;
};

}  // namespace tollstream
