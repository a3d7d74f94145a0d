// Command-line flags: "--name value", "--name=value" and boolean "--name".
// Unknown flags and missing values are errors, so typos never pass silently.
//
// An option not given on the command line is taken from the environment,
// TOLLSTREAM_<NAME> (upper case, '-' as '_': --data-dir is
// TOLLSTREAM_DATA_DIR), else from the config file named by --config FILE:
// one "name = value" a line, '#' starting a comment line, a switch written
// "name = true" (or false). The command line wins, then the environment,
// then the file. A name the command does not take is an error in the file,
// as on the command line; the environment is only asked for the names the
// command takes. What moves tokens (--to, --amount) comes from the command
// line only.
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
  // Fills what the command line did not give from the environment, then
  // from the config file (see the header).
  Status Fill(const std::set<std::string>& valued, const std::set<std::string>& switches);
  Status Take(const std::string& name, const std::string& value,
              const std::set<std::string>& valued, const std::set<std::string>& switches,
              const std::string& where);

  std::map<std::string, std::string> m_values;
  std::set<std::string> m_decided;  // switches set false by a source that wins
  std::set<std::string> m_switches;
  std::vector<std::string> m_positional;
};

}  // namespace tollstream
