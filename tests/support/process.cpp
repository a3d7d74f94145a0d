#include "tests/support/process.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

namespace tollstream::test {

using Clock = std::chrono::steady_clock;

Process::Process(std::vector<std::string> argv, std::string stderr_path) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  m_pid = fork();
  if (m_pid < 0) throw std::runtime_error("fork failed");
  if (m_pid == 0) {
    dup2(fds[1], 1);
    if (!stderr_path.empty()) {
      int err = open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (err >= 0) dup2(err, 2);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    execv(cargv[0], cargv.data());
    _exit(127);
  }
  close(fds[1]);
  m_stdout = fds[0];
  m_reader = std::thread([this] { Drain(); });
}

Process::~Process() {
  if (running()) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
  // A grandchild may still hold the pipe open: stop reading anyway.
  m_stop_reading = true;
  if (m_reader.joinable()) m_reader.join();
  if (m_stdout >= 0) close(m_stdout);
}

void Process::Drain() {
  char buf[4096];
  while (!m_stop_reading) {
    pollfd p{m_stdout, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    ssize_t n = read(m_stdout, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard lock(m_mutex);
    if (n <= 0) {
      m_eof = true;
      m_more.notify_all();
      return;
    }
    m_output.append(buf, static_cast<size_t>(n));
    m_more.notify_all();
  }
}

std::string Process::output() const {
  std::lock_guard lock(m_mutex);
  return m_output;
}

std::optional<std::string> Process::WaitForLine(const std::string& prefix,
                                                std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::unique_lock lock(m_mutex);
  for (;;) {
    size_t nl;
    while ((nl = m_output.find('\n', m_scanned)) != std::string::npos) {
      std::string line = m_output.substr(m_scanned, nl - m_scanned);
      m_scanned = nl + 1;
      if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
    }
    if (m_eof) return std::nullopt;
    if (m_more.wait_until(lock, deadline) == std::cv_status::timeout) {
      // One last look at what came with the deadline.
      if (m_output.find('\n', m_scanned) == std::string::npos) return std::nullopt;
    }
  }
}

std::string Process::ReadAll(std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  m_more.wait_for(lock, timeout, [&] { return m_eof; });
  return m_output;
}

void Process::Signal(int sig) {
  if (m_pid > 0 && !m_status) kill(m_pid, sig);
}

int Process::Wait(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!m_status) {
    int status = 0;
    pid_t r = waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
      m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      ReadAll(std::chrono::milliseconds(2000));  // what it printed before exiting
      break;
    }
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return *m_status;
}

bool Process::running() {
  if (m_status || m_pid <= 0) return false;
  return Wait(std::chrono::milliseconds(0)) == -1;
}

std::pair<int, std::string> RunCommand(std::vector<std::string> argv,
                                       std::chrono::milliseconds timeout) {
  Process p(std::move(argv));
  std::string out = p.ReadAll(timeout);
  int status = p.Wait(timeout);
  return {status, out};
}

TrackerProcess::TrackerProcess(const std::string& data_dir, std::vector<std::string> extra_args,
                               std::chrono::seconds startup)
    : process(
          [&] {
            std::vector<std::string> argv = {
                BinaryPath("tracker"), "run", "--data-dir", data_dir, "--listen", "127.0.0.1:0"};
            argv.insert(argv.end(), extra_args.begin(), extra_args.end());
            return argv;
          }(),
          data_dir + ".log") {
  auto line = process.WaitForLine("listening on ", startup);
  if (!line) throw std::runtime_error("tracker did not start; see " + data_dir + ".log");
  url = *line;
}

std::string BinaryPath(const std::string& name) {
  return std::string(TOLLSTREAM_BUILD_DIR) + "/" + name + "/" + name;
}

}  // namespace tollstream::test
