// Delivers SIGINT and SIGTERM to a callback in a thread of its own.
//
// Construct it before starting any other thread: it blocks those signals in
// the constructing thread, and threads started later inherit the mask, so no
// signal handler ever runs inside a worker.
#pragma once

#include <signal.h>

#include <functional>
#include <thread>

namespace tollstream {

class SignalWatcher {
 public:
  SignalWatcher();
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

  // Calls `on_signal` once, on the first SIGINT or SIGTERM.
  void Start(std::function<void()> on_signal);

 private:
  sigset_t m_set;
  std::thread m_thread;
};

}  // namespace tollstream
