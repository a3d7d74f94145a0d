// Small helpers shared by the benchmark programs: timing, percentiles, and
// one JSON line per measurement on stdout (scripts/bench turns them into
// the table in BENCHMARKS.md).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "common/wire/json.h"

namespace tollstream::bench {

using Clock = std::chrono::steady_clock;

inline double Seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// The p-th percentile (0..100) of `values`, in place.
inline double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  size_t k = std::min(values.size() - 1,
                      static_cast<size_t>(p / 100.0 * static_cast<double>(values.size())));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(k), values.end());
  return values[k];
}

// CPU seconds (user + system) process `pid` has used; with `reaped`, also
// those of the children it has waited for. -1 when it cannot be read.
inline double ProcessCpuSeconds(pid_t pid, bool reaped = false, pid_t* parent = nullptr) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) return -1;
  // From field 3 (state) on: ppid is field 4, utime to cstime fields 14 to 17.
  std::istringstream rest(stat.substr(name_end + 1));
  std::vector<std::string> f{std::istream_iterator<std::string>(rest),
                             std::istream_iterator<std::string>()};
  if (f.size() < 15) return -1;
  if (parent != nullptr) *parent = static_cast<pid_t>(std::stol(f[1]));
  double ticks = std::stod(f[11]) + std::stod(f[12]);
  if (reaped) ticks += std::stod(f[13]) + std::stod(f[14]);
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// Prints one result: {"bench": name, ...fields}.
inline void Report(const std::string& name, json fields) {
  fields["bench"] = name;
  std::printf("%s\n", fields.dump().c_str());
  std::fflush(stdout);
}

}  // namespace tollstream::bench
