// Reading files: whole, into a sized string (one read, no stream copies),
// or in pieces; and a file kept open as one version of it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace tollstream {

// What tells one version of a file from another without reading it: a
// rewrite changes its inode, size or change time, except a rewrite to the
// same size within one tick of the kernel's file clock (a few
// milliseconds): trust a stamp only for a file whose times are older.
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ctime_ns = 0;
  bool operator==(const FileStamp&) const = default;
};

// A file kept open with the stamp of one version of it: its bytes can be
// sent from the kernel's cache (sendfile) for as long as the file is that
// version (removing or replacing it also ends that: the stamp changes).
// Closed when the last holder lets go.
class OpenFile {
 public:
  OpenFile(int fd, FileStamp read_as) : m_fd(fd), m_read_as(read_as) {}
  ~OpenFile();
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  // The file as it is now, without reading it; null when it cannot be opened.
  static std::shared_ptr<const OpenFile> Open(const std::filesystem::path& path);
  // `fd` (now owned, closed on failure) as it is now, e.g. a file already
  // unlinked; null when it cannot be read.
  static std::shared_ptr<const OpenFile> Adopt(int fd);
  int fd() const { return m_fd; }
  const FileStamp& stamp() const { return m_read_as; }
  uint64_t size() const { return m_read_as.size; }
  // Whether the file is still the version of `stamp()` (one fstat).
  bool Unchanged() const;

 private:
  int m_fd;
  FileStamp m_read_as;
};

// Reads `length` bytes of `fd` from `offset` in pieces of at most 256 KiB
// and hands each to `take`; false when the file ended early, a read failed
// or `take` did.
bool ReadFilePieces(int fd, off_t offset, size_t length,
                    const std::function<bool(const char*, size_t)>& take);

// The `file.size()` bytes of an open file, from its start; nullopt when it
// ended early or a read failed. Whether it is still that version after is
// for the caller to see (`file.Unchanged()`).
std::optional<std::string> ReadWholeFile(const OpenFile& file);

// nullopt when the file cannot be opened or read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path);

// The same, and the stamp of the version read in `*stamp`: nullopt there when
// the file changed while it was read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path,
                                         std::optional<FileStamp>* stamp);

// The same, and with a stamp, the file itself, kept open, in `*file`
// (else null there).
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path,
                                         std::optional<FileStamp>* stamp,
                                         std::shared_ptr<const OpenFile>* file);

}  // namespace tollstream
