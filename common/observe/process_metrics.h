// The metrics every long-running program of the project serves beside its
// own, read at scrape time: what was built (tollstream_build_info, 1, with
// the program, version and commit as labels) and the process's resources,
// named as Prometheus's own clients name them (process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_open_fds, process_max_fds, process_start_time_seconds).
#pragma once

#include <string>

#include "common/observe/metrics.h"

namespace tollstream {

void DeclareProcessMetrics(Metrics& metrics, const std::string& program);

}  // namespace tollstream
