#include "common/base/files.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace tollstream {

TEST_CASE("a whole file is read with the stamp of the version read") {
  test::TempDir dir;
  std::string path = dir / "segment.ts";
  std::ofstream(path) << "first version";
  std::optional<FileStamp> first;
  auto bytes = ReadWholeFile(path, &first);
  REQUIRE(bytes.has_value());
  CHECK(*bytes == "first version");
  REQUIRE(first.has_value());
  CHECK(first->size == 13);

  std::optional<FileStamp> again;
  REQUIRE(ReadWholeFile(path, &again).has_value());
  CHECK(again == first);  // the same version: the same stamp

  // Rewritten in place with the same size, as a later write (file times are
  // as coarse as the kernel's clock tick, so the test sets the time itself).
  auto written = std::filesystem::last_write_time(path);
  std::ofstream(path) << "other version";
  std::filesystem::last_write_time(path, written + std::chrono::seconds(1));
  std::optional<FileStamp> rewritten;
  REQUIRE(ReadWholeFile(path, &rewritten) == "other version");
  REQUIRE(rewritten.has_value());
  CHECK(rewritten != first);

  // Replaced by another file: another inode.
  std::ofstream(dir / "next.ts") << "other version";
  std::filesystem::rename(dir / "next.ts", path);
  std::optional<FileStamp> replaced;
  REQUIRE(ReadWholeFile(path, &replaced).has_value());
  CHECK(replaced != rewritten);

  std::optional<FileStamp> none = FileStamp{};
  CHECK_FALSE(ReadWholeFile(dir / "missing.ts", &none).has_value());
  CHECK_FALSE(none.has_value());
}

TEST_CASE("a file kept open is the version read until it is changed") {
  test::TempDir dir;
  std::string path = dir / "segment.ts";
  std::ofstream(path) << "first version";
  std::optional<FileStamp> stamp;
  std::shared_ptr<const OpenFile> file;
  REQUIRE(ReadWholeFile(path, &stamp, &file) == "first version");
  REQUIRE(file != nullptr);
  CHECK(file->Unchanged());

  char text[32] = {};
  CHECK(::pread(file->fd(), text, sizeof(text), 0) == 13);
  CHECK(std::string(text) == "first version");

  // Changed in place: no longer the version read.
  auto written = std::filesystem::last_write_time(path);
  std::ofstream(path) << "other version";
  std::filesystem::last_write_time(path, written + std::chrono::seconds(1));
  CHECK_FALSE(file->Unchanged());

  // Opened again without reading: the version it is now.
  auto now = OpenFile::Open(path);
  REQUIRE(now != nullptr);
  CHECK(now->stamp() != file->stamp());
  CHECK(now->size() == 13);
  CHECK(now->Unchanged());
  CHECK(OpenFile::Open(dir / "missing.ts") == nullptr);

  // Without a stamp there is no file to keep.
  std::shared_ptr<const OpenFile> none = file;
  CHECK_FALSE(ReadWholeFile(dir / "missing.ts", &stamp, &none).has_value());
  CHECK(none == nullptr);
}

}  // namespace tollstream
