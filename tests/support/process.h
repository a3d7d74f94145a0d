// Child processes for end-to-end tests: started with a pipe on stdout (and
// stderr to a log file), found by the lines they print, and always reaped:
// the destructor kills a child that is still running. A thread reads stdout
// all the time, so a child that prints a lot never blocks on a full pipe.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace tollstream::test {

class Process {
 public:
  // Starts `argv[0]` with `argv`. stderr goes to `stderr_path` (or is inherited).
  Process(std::vector<std::string> argv, std::string stderr_path = "");
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return m_pid; }
  // Reads stdout until a line starts with `prefix`; returns the rest of it.
  std::optional<std::string> WaitForLine(const std::string& prefix,
                                         std::chrono::milliseconds timeout);
  // Everything read from stdout so far.
  std::string output() const;
  // Reads stdout until EOF (or timeout); returns all of it.
  std::string ReadAll(std::chrono::milliseconds timeout);
  void Signal(int sig);
  // Waits for exit; returns the exit status, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  bool running();

 private:
  void Drain();

  pid_t m_pid = -1;
  int m_stdout = -1;
  std::thread m_reader;
  std::atomic<bool> m_stop_reading{false};
  mutable std::mutex m_mutex;  // guards m_output and m_eof
  std::condition_variable m_more;
  std::string m_output;
  bool m_eof = false;
  size_t m_scanned = 0;  // used by WaitForLine only
  std::optional<int> m_status;
};

// Runs a command to completion; returns {exit status, stdout}.
std::pair<int, std::string> RunCommand(
    std::vector<std::string> argv, std::chrono::milliseconds timeout = std::chrono::seconds(60));

// `tracker run` on `data_dir` (made by `tracker init`) on a fresh port; `url`
// is set once it listens, which it does after its audit at start: `startup`
// bounds the wait.
struct TrackerProcess {
  TrackerProcess(const std::string& data_dir, std::vector<std::string> extra_args = {},
                 std::chrono::seconds startup = std::chrono::seconds(20));
  std::string url;
  Process process;
};

// Path of a built binary of this project ("tracker", "peer").
std::string BinaryPath(const std::string& name);

}  // namespace tollstream::test
