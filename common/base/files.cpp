#include "common/base/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

namespace tollstream {

namespace {

constexpr size_t kFilePiece = 256 * 1024;

FileStamp StampOf(const struct stat& st) {
  return FileStamp{static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino),
                   static_cast<uint64_t>(st.st_size),
                   int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec,
                   int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec};
}

}  // namespace

OpenFile::~OpenFile() {
  ::close(m_fd);
}

std::shared_ptr<const OpenFile> OpenFile::Open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  return Adopt(fd);
}

std::shared_ptr<const OpenFile> OpenFile::Adopt(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return nullptr;
  }
  return std::make_shared<const OpenFile>(fd, StampOf(st));
}

bool OpenFile::Unchanged() const {
  struct stat st {};
  return ::fstat(m_fd, &st) == 0 && StampOf(st) == m_read_as;
}

bool ReadFilePieces(int fd, off_t offset, size_t length,
                    const std::function<bool(const char*, size_t)>& take) {
  const size_t size = std::min(length, kFilePiece);
  std::unique_ptr<char[]> piece(new char[size]);  // overwritten before use: not zeroed first
  while (length > 0) {
    ssize_t n = ::pread(fd, piece.get(), std::min(length, size), offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !take(piece.get(), static_cast<size_t>(n))) return false;
    offset += n;
    length -= static_cast<size_t>(n);
  }
  return true;
}

std::optional<std::string> ReadWholeFile(const OpenFile& file) {
  std::string data(static_cast<size_t>(file.size()), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::pread(file.fd(), data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;  // shrank or failed while reading
    done += static_cast<size_t>(n);
  }
  return data;
}

std::optional<std::string> ReadWholeFile(const std::filesystem::path& path) {
  return ReadWholeFile(path, nullptr, nullptr);
}

std::optional<std::string> ReadWholeFile(const std::filesystem::path& path,
                                         std::optional<FileStamp>* stamp) {
  return ReadWholeFile(path, stamp, nullptr);
}

std::optional<std::string> ReadWholeFile(const std::filesystem::path& path,
                                         std::optional<FileStamp>* stamp,
                                         std::shared_ptr<const OpenFile>* file) {
  if (stamp != nullptr) stamp->reset();
  if (file != nullptr) file->reset();
  auto opened = OpenFile::Open(path);
  if (!opened) return std::nullopt;
  auto data = ReadWholeFile(*opened);
  if (!data) return std::nullopt;
  if (stamp != nullptr && opened->Unchanged()) {
    *stamp = opened->stamp();
    if (file != nullptr) *file = std::move(opened);
  }
  return data;
}

}  // namespace tollstream
