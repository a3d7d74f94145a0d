#include "common/cli/key_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/temp_dir.h"

namespace tollstream {

TEST_CASE("a key file is created 0600 and loads back") {
  test::TempDir dir;
  std::string path = dir / "a.key";
  auto created = CreateKeyFile(path);
  REQUIRE(created.ok());
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = LoadKeyFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == created->public_key());
  CHECK_FALSE(CreateKeyFile(path).ok());  // never overwrites
  auto same = LoadOrCreateKeyFile(path);
  REQUIRE(same.ok());
  CHECK(same->public_key() == created->public_key());
}

TEST_CASE("a key file others can read is refused") {
  test::TempDir dir;
  std::string path = dir / "a.key";
  REQUIRE(CreateKeyFile(path).ok());
  for (mode_t mode : {0640, 0604, 0644, 0660, 0602}) {
    CAPTURE(mode);
    REQUIRE(chmod(path.c_str(), mode) == 0);
    auto loaded = LoadKeyFile(path);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.find("chmod 600") != std::string::npos);
  }
  REQUIRE(chmod(path.c_str(), 0400) == 0);
  CHECK(LoadKeyFile(path).ok());
}

TEST_CASE("malformed and missing key files are refused") {
  test::TempDir dir;
  CHECK_FALSE(LoadKeyFile(dir / "none.key").ok());
  auto write = [&](const std::string& name, const std::string& text) {
    std::string path = dir / name;
    std::ofstream(path) << text;
    chmod(path.c_str(), 0600);
    return path;
  };
  CHECK_FALSE(LoadKeyFile(write("short", "abcd\n")).ok());
  CHECK_FALSE(LoadKeyFile(write("upper", std::string(64, 'A') + "\n")).ok());
  CHECK_FALSE(LoadKeyFile(write("zero", std::string(64, '0') + "\n")).ok());
  CHECK(LoadKeyFile(write("ok", std::string(63, '0') + "1\n")).ok());
}

}  // namespace tollstream
