#include "common/store/short_slice.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace tollstream {
namespace {

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;  // SCHED_OTHER: the requested slice, in ns
  uint64_t sched_deadline;
  uint64_t sched_period;
};

bool GetAttr(SchedAttr* attr) {
  *attr = {};
  return syscall(SYS_sched_getattr, 0, attr, sizeof(SchedAttr), 0) == 0;
}

}  // namespace

bool RequestShortSlice(std::chrono::microseconds slice) {
  SchedAttr attr;
  if (!GetAttr(&attr) || attr.sched_policy != SCHED_OTHER) return false;
  attr.size = sizeof(SchedAttr);
  attr.sched_flags = 0;
  attr.sched_runtime = static_cast<uint64_t>(std::chrono::nanoseconds(slice).count());
  // Kernels before 6.12 accept the call and ignore the slice: read it back.
  return syscall(SYS_sched_setattr, 0, &attr, 0) == 0 && CurrentSlice() == slice;
}

std::chrono::microseconds CurrentSlice() {
  SchedAttr attr;
  if (!GetAttr(&attr)) return {};
  auto slice = std::chrono::nanoseconds(attr.sched_runtime);
  return std::chrono::duration_cast<std::chrono::microseconds>(slice);
}

}  // namespace tollstream
