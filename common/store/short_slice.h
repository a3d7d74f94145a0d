// A scheduling hint for threads that sleep most of the time and must run at
// once when they wake (the writer of a group commit, woken when its sync
// completes).
//
// Linux's fair scheduler (EEVDF, since 6.6; settable slices since 6.12)
// lets a thread ask for a shorter time slice. A thread that does so gets an
// earlier deadline, so when it wakes on a core busy with a long-running
// thread it preempts that thread instead of waiting for the end of its slice
// (a few milliseconds). Its share of the CPU is unchanged, and no privilege is
// needed. On kernels without settable slices the thread runs as before.
#pragma once

#include <chrono>

namespace tollstream {

inline constexpr std::chrono::microseconds kShortSlice{100};  // the kernel's minimum

// Asks for `slice` for the calling thread (threads it starts later inherit
// it). False when the kernel did not grant it.
bool RequestShortSlice(std::chrono::microseconds slice = kShortSlice);

// The calling thread's slice as the kernel reports it (its default when
// none was requested); 0 on kernels that do not report one.
std::chrono::microseconds CurrentSlice();

}  // namespace tollstream
