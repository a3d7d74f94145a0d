#include "peer/broadcast/encoder.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>
#include <vector>

extern char** environ;

namespace tollstream {

Encoder::~Encoder() {
  Stop();
}

Status Encoder::Start(const std::string& source, const std::filesystem::path& dir,
                      int segment_seconds) {
  std::string seconds = std::to_string(segment_seconds);
  std::vector<std::string> args = {"ffmpeg",
                                   "-hide_banner",
                                   "-loglevel",
                                   "error",
                                   "-nostdin",
                                   "-re",
                                   "-i",
                                   source,
                                   "-c:v",
                                   "libx264",
                                   "-preset",
                                   "veryfast",
                                   "-pix_fmt",
                                   "yuv420p",
                                   "-force_key_frames",
                                   "expr:gte(t,n_forced*" + seconds + ")",
                                   "-sc_threshold",
                                   "0",
                                   "-c:a",
                                   "aac",
                                   "-f",
                                   "hls",
                                   "-hls_time",
                                   seconds,
                                   "-hls_list_size",
                                   "0",
                                   "-hls_flags",
                                   "independent_segments+temp_file",
                                   "-hls_segment_filename",
                                   (dir / "seg%05d.ts").string(),
                                   (dir / "index.m3u8").string()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawnp(&m_pid, "ffmpeg", nullptr, &attr, argv.data(), environ);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    m_pid = -1;
    return MakeError(ErrorCode::kUnavailable, "cannot run ffmpeg (is it installed?)");
  }
  return Status::Ok();
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

void Encoder::Stop() {
  if (!Running()) return;
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

}  // namespace tollstream
