#include "peer/broadcast/encoder.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/observe/log.h"

extern char** environ;

namespace tollstream {
namespace {

constexpr size_t kLastLines = 3;
constexpr std::chrono::seconds kMaxBackoff{30};
constexpr std::chrono::seconds kSteadyRun{60};

std::vector<std::string> Arguments(const EncoderInput& input, const std::filesystem::path& dir,
                                   int segment_seconds, bool append) {
  std::vector<std::string> args = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"};
  args.insert(args.end(), input.args.begin(), input.args.end());
  std::string flags = "independent_segments+temp_file";
  if (append) flags += "+append_list";
  if (input.listener) flags += "+omit_endlist";
  if (!input.ladder.empty()) {
    std::vector<std::string> ladder = LadderArguments(input.ladder, dir, segment_seconds, flags);
    args.insert(args.end(), ladder.begin(), ladder.end());
    return args;
  }
  std::vector<std::string> codecs = {"-c", "copy"};
  if (!input.copy) codecs = H264Arguments(segment_seconds);
  args.insert(args.end(), codecs.begin(), codecs.end());
  std::vector<std::string> out = HlsArguments(dir, segment_seconds, flags);
  args.insert(args.end(), out.begin(), out.end());
  return args;
}

// `name` as exec finds it: itself when it has a '/', else the first
// executable of that name on PATH; "" when there is none.
std::string ProgramPath(const std::string& name) {
  if (name.find('/') != std::string::npos) return ::access(name.c_str(), X_OK) == 0 ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    size_t end = std::min(dirs.find(':', start), dirs.size());
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// Runs `program` with `argv`, its stderr on `err`. The child gets SIGTERM
// when the thread that started it ends, and so when the node does, even
// by kill -9: no packager outlives its node. Returns its pid; errors:
// kUnavailable saying why it could not be run (fork, or exec's errno,
// passed back on a pipe that closes at a successful exec).
Result<pid_t> SpawnChild(const std::string& program, std::vector<char*>& argv, int err) {
  int status[2];
  if (::pipe2(status, O_CLOEXEC) != 0) return MakeError(ErrorCode::kUnavailable, "pipe failed");
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the node died before prctl
    ::dup2(err, STDERR_FILENO);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);  // the node ignores SIGPIPE; its children get the default back
    ::execve(program.c_str(), argv.data(), environ);
    int why = errno;
    (void)!::write(status[1], &why, sizeof why);
    ::_exit(127);
  }
  int fork_error = errno;
  ::close(status[1]);
  if (pid < 0) {
    ::close(status[0]);
    return MakeError(ErrorCode::kUnavailable,
                     "cannot start " + program + ": " + std::strerror(fork_error));
  }
  int why = 0;
  ssize_t n;
  while ((n = ::read(status[0], &why, sizeof why)) < 0 && errno == EINTR) {
  }
  ::close(status[0]);
  if (n <= 0) return pid;  // exec closed the pipe: running
  ::waitpid(pid, nullptr, 0);
  return MakeError(ErrorCode::kUnavailable, "cannot run " + program + ": " + std::strerror(why));
}

}  // namespace

Encoder::~Encoder() {
  Stop();
}

Status Encoder::Start(EncoderInput input, const std::filesystem::path& dir, int segment_seconds) {
  m_input = std::move(input);
  m_name = m_input.command.empty() ? "ffmpeg"
                                   : std::filesystem::path(m_input.command[0]).filename().string();
  m_dir = dir;
  m_segment_seconds = segment_seconds;
  for (const RenditionSpec& r : m_input.ladder) {
    std::error_code ec;
    std::filesystem::create_directories(dir / r.name, ec);
    if (ec) {
      return MakeError(ErrorCode::kUnavailable,
                       "cannot create " + (dir / r.name).string() + ": " + ec.message());
    }
  }
  return Spawn(/*append=*/false);
}

Status Encoder::Spawn(bool append) {
  JoinReader();
  auto args = m_input.command.empty() ? Arguments(m_input, m_dir, m_segment_seconds, append)
                                      : m_input.command;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return MakeError(ErrorCode::kUnavailable, "pipe failed");
  std::string program = ProgramPath(args[0]);
  Result<pid_t> pid = program.empty() ? MakeError(ErrorCode::kUnavailable,
                                                  "cannot run " + args[0] + " (is it installed?)")
                                      : SpawnChild(program, argv, err[1]);
  ::close(err[1]);
  if (!pid) {
    ::close(err[0]);
    m_pid = -1;
    return pid.error();
  }
  m_pid = *pid;
  m_started = Clock::now();
  {
    std::lock_guard lock(m_mutex);
    m_last_lines.clear();  // this run's words only
  }
  m_reader = std::thread([this, fd = err[0]] {
    std::string pending;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
      pending.append(buf, static_cast<size_t>(n));
      if (pending.size() > (64 << 10) && pending.find('\n') == std::string::npos)
        pending += '\n';  // a line without end, cut
      for (size_t eol; (eol = pending.find('\n')) != std::string::npos; pending.erase(0, eol + 1)) {
        std::string line = Masked(pending.substr(0, eol), m_input.secrets);
        if (line.empty()) continue;
        LogWarn(m_name + ": " + line);
        std::lock_guard lock(m_mutex);
        m_last_lines.push_back(line.substr(0, 300));
        if (m_last_lines.size() > kLastLines) m_last_lines.pop_front();
      }
    }
    ::close(fd);
  });
  return Status::Ok();
}

std::string Masked(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at; (at = text.find(secret)) != std::string::npos;)
      text.replace(at, secret.size(), "***");
  }
  return text;
}

void Encoder::JoinReader() {
  if (m_reader.joinable()) m_reader.join();
}

std::string Encoder::LastWords() const {
  std::lock_guard lock(m_mutex);
  std::string out;
  for (const auto& line : m_last_lines) out += (out.empty() ? "" : "; ") + line;
  return out;
}

bool Encoder::Running(int* exit_status) {
  if (m_pid <= 0) {
    if (exit_status != nullptr) *exit_status = m_status;
    return false;
  }
  int status = 0;
  if (waitpid(m_pid, &status, WNOHANG) == m_pid) {
    m_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    m_pid = -1;
    if (exit_status != nullptr) *exit_status = m_status;
    return false;
  }
  return true;
}

void Encoder::Supervise() {
  int status = 0;
  bool packager = !m_input.args.empty() || !m_input.command.empty();
  if (!packager || m_ended || Running(&status)) return;
  auto now = Clock::now();
  if (status == 0 && m_input.listener && !m_restart_at) {
    JoinReader();
    LogInfo("the streamer left; listening again");
    m_restart_at = now;
  } else if (status == 0 && !m_restart_at) {
    return;  // the file's end
  } else if (!m_restart_at) {
    if (now - m_started >= kSteadyRun) m_backoff = std::chrono::seconds(1);
    JoinReader();  // its last words are in
    std::string said = LastWords();
    LogWarn(m_name + " exited with status " + std::to_string(status) +
            (said.empty() ? "" : " (\"" + said + "\")") + "; restarting it in " +
            std::to_string(m_backoff.count()) + " s (restart " + std::to_string(m_restarts + 1) +
            ")");
    m_restart_at = now + m_backoff;
    // A listener comes back soon, or a streamer who reconnects is refused.
    if (!m_input.listener) m_backoff = std::min(m_backoff * 2, kMaxBackoff);
    return;
  }
  if (now < *m_restart_at) return;
  m_restart_at.reset();
  ++m_restarts;
  bool appended = std::filesystem::exists(m_dir / m_input.playlist);
  if (Status s = Spawn(appended); !s) {
    LogError(m_name + ": " + s.error().message);
    m_status = 127;  // tried again after the next backoff
    return;
  }
  LogInfo(m_name + " restarted (restart " + std::to_string(m_restarts) + ")");
}

Status Encoder::EndPlaylist() {
  m_ended = true;
  Stop();
  std::vector<std::string> playlists = {m_input.playlist};
  if (!m_input.ladder.empty()) playlists.clear();
  for (const RenditionSpec& r : m_input.ladder) playlists.push_back(r.name + "/index.m3u8");
  for (const std::string& name : playlists) {
    std::ofstream playlist(m_dir / name, std::ios::app);
    playlist << "#EXT-X-ENDLIST\n";
    playlist.close();
    if (!playlist) return MakeError(ErrorCode::kUnavailable, "cannot end " + m_dir.string());
  }
  return Status::Ok();
}

void Encoder::Stop() {
  if (Running()) {
    kill(m_pid, SIGTERM);
    for (int i = 0; i < 100 && Running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (Running()) {
      kill(m_pid, SIGKILL);
      int status = 0;
      waitpid(m_pid, &status, 0);
      m_pid = -1;
    }
  }
  JoinReader();
}

}  // namespace tollstream
