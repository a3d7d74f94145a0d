// Whole-file reads into a sized string (one read, no stream copies).
#pragma once

#include <cstdint>
#include <filesystem>
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

// nullopt when the file cannot be opened or read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path);

// The same, and the stamp of the version read in `*stamp`: nullopt there when
// the file changed while it was read.
std::optional<std::string> ReadWholeFile(const std::filesystem::path& path, std::optional<FileStamp>* stamp);

}  // namespace tollstream
