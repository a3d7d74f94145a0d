#include "tests/support/small_disk.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

std::optional<std::string> Mount(const std::string& dir, size_t bytes) {
  std::string options = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    return "mount -t tmpfs on " + dir + ": " + std::strerror(errno);
  }
  return std::nullopt;
}

// The path of a system tool, or "" when it is not installed.
std::string Tool(const std::string& name) {
  for (const char* dir : {"/usr/sbin/", "/sbin/", "/usr/bin/"}) {
    std::string path = dir + name;
    if (::access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

// Runs a system tool; throws with its output when it fails.
std::string RunTool(std::vector<std::string> argv) {
  argv[0] = Tool(argv[0]);
  auto [status, out] = RunCommand(argv, std::chrono::seconds(30));
  if (status != 0) throw std::runtime_error(argv[0] + " failed (" + std::to_string(status) + ")");
  return out;
}

}  // namespace

SmallDisk::SmallDisk(std::string dir, size_t bytes)
    : m_dir(std::move(dir)), m_filler(m_dir + "/filler") {
  std::filesystem::create_directories(m_dir);
  if (auto failed = Mount(m_dir, bytes)) throw std::runtime_error(*failed);
}

SmallDisk::~SmallDisk() {
  ::umount2(m_dir.c_str(), MNT_DETACH);
}

size_t SmallDisk::Fill() {
  int fd = ::open(m_filler.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("cannot create " + m_filler);
  size_t written = 0;
  std::vector<char> block(64 << 10, 'f');
  // Big blocks, then a page at a time: tmpfs gives out whole pages.
  for (size_t size : {block.size(), size_t{4096}}) {
    for (;;) {
      ssize_t n = ::write(fd, block.data(), size);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
  }
  ::close(fd);
  return written;
}

void SmallDisk::Free() {
  std::filesystem::remove(m_filler);
}

size_t SmallDisk::available() const {
  struct statvfs s {};
  if (::statvfs(m_dir.c_str(), &s) != 0) return 0;
  return static_cast<size_t>(s.f_bavail) * s.f_frsize;
}

std::optional<std::string> SmallDisk::Unavailable() {
  if (::geteuid() != 0) return std::string("mounting a small disk (tmpfs) needs root");
  TempDir probe;
  std::string dir = probe / "probe";
  std::filesystem::create_directories(dir);
  if (auto failed = Mount(dir, 1 << 20)) return failed;
  ::umount2(dir.c_str(), MNT_DETACH);
  return std::nullopt;
}

void SmallDisk::SkipUnlessAvailable() {
  if (auto why = Unavailable()) {
    std::printf("SKIPPED: %s\n", why->c_str());
    std::fflush(stdout);
    std::_Exit(kSkipCode);
  }
}

ThinDisk::ThinDisk(const std::string& dir, size_t backing_bytes)
    : m_dir(dir), m_backing(dir + ".backing", backing_bytes) {
  std::string image = m_backing.path() + "/image";
  std::filesystem::create_directories(m_dir);
  int fd = ::open(image.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::ftruncate(fd, 64 << 20) != 0) throw std::runtime_error("cannot make " + image);
  ::close(fd);
  // No journal, inode tables left unwritten: the image stays sparse.
  RunTool(
      {"mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-E", "lazy_itable_init=1,nodiscard", image});
  std::string out = RunTool({"losetup", "--find", "--show", image});
  m_loop = out.substr(0, out.find('\n'));
  if (::mount(m_loop.c_str(), m_dir.c_str(), "ext4", 0, "") != 0) {
    std::string why = std::strerror(errno);
    RunCommand({Tool("losetup"), "-d", m_loop});
    throw std::runtime_error("mount " + m_loop + " on " + m_dir + ": " + why);
  }
}

ThinDisk::~ThinDisk() {
  if (::umount2(m_dir.c_str(), 0) != 0) ::umount2(m_dir.c_str(), MNT_DETACH);
  RunCommand({Tool("losetup"), "-d", m_loop});
}

std::optional<std::string> ThinDisk::Unavailable() {
  if (auto why = SmallDisk::Unavailable()) return why;
  for (const char* tool : {"losetup", "mkfs.ext4"}) {
    if (Tool(tool).empty()) return std::string(tool) + " is not installed";
  }
  try {
    TempDir probe;
    ThinDisk disk(probe / "thin", 8 << 20);
  } catch (const std::exception& e) {
    return std::string("no thin disk: ") + e.what();
  }
  return std::nullopt;
}

}  // namespace tollstream::test
