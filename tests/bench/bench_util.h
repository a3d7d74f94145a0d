// Small helpers shared by the benchmark programs: timing, percentiles, and
// one JSON line per measurement on stdout (scripts/bench turns them into
// the table in BENCHMARKS.md).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
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

// Prints one result: {"bench": name, ...fields}.
inline void Report(const std::string& name, json fields) {
  fields["bench"] = name;
  std::printf("%s\n", fields.dump().c_str());
  std::fflush(stdout);
}

}  // namespace tollstream::bench
