#include "common/observe/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "common/base/version.h"

namespace tollstream {
namespace {

// Field `index` (from 0) of /proc/self/statm, in pages.
double StatmPages(int index) {
  std::ifstream in("/proc/self/statm");
  double value = 0;
  for (int i = 0; i <= index && in >> value; ++i) {
  }
  return in ? value : 0;
}

double CpuSeconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  double count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') count += 1;
  }
  closedir(dir);
  return count - 1;  // the directory's own descriptor
}

double MaxFds() {
  rlimit limit{};
  return getrlimit(RLIMIT_NOFILE, &limit) == 0 ? double(limit.rlim_cur) : 0;
}

}  // namespace

void DeclareProcessMetrics(Metrics& metrics, const std::string& program) {
  double started =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  double page = double(sysconf(_SC_PAGESIZE));
  metrics.DeclareGauge(
      "tollstream_build_info", "What was built: always 1, with the version and commit as labels.",
      [] { return 1.0; }, {"program", "version", "commit"}, {program, Version(), BuildCommit()});
  metrics.DeclareReadCounter("process_cpu_seconds_total",
                             "User and system CPU time the process has used, in seconds.",
                             CpuSeconds);
  metrics.DeclareGauge("process_resident_memory_bytes", "Resident memory size, in bytes.",
                       [page] { return StatmPages(1) * page; });
  metrics.DeclareGauge("process_virtual_memory_bytes", "Virtual memory size, in bytes.",
                       [page] { return StatmPages(0) * page; });
  metrics.DeclareGauge("process_open_fds", "Open file descriptors.", OpenFds);
  metrics.DeclareGauge("process_max_fds", "The most file descriptors the process may open.",
                       MaxFds);
  metrics.DeclareGauge("process_start_time_seconds",
                       "When the process started, in seconds since the Unix epoch.",
                       [started] { return started; });
}

}  // namespace tollstream
