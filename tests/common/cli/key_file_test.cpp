#include "common/cli/key_file.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/base/files.h"
#include "common/base/hex.h"
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

namespace {

std::string WriteKeyFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  chmod(path.c_str(), 0600);
  return path;
}

// `text` with the digit at `at` changed to another hex digit.
std::string FlipDigit(std::string text, size_t at) {
  text[at] = text[at] == '0' ? '1' : '0';
  return text;
}

}  // namespace

TEST_CASE("a new key file carries a check: a changed digit makes it damaged, not another key") {
  test::TempDir dir;
  std::string path = dir / "a.key";
  auto created = CreateKeyFile(path);
  REQUIRE(created.ok());
  auto text = ReadWholeFile(path);
  REQUIRE(text.has_value());
  // tollstream-key-v1 <64 hex digits> <8 hex digits>, one line.
  REQUIRE(text->size() == 17 + 1 + 64 + 1 + 8 + 1);
  CHECK(text->starts_with("tollstream-key-v1 "));
  CHECK(text->substr(0, 18 + 64) == "tollstream-key-v1 " + ToHex(created->secret()));
  CHECK(text->back() == '\n');

  // Every digit of the key and of the check, changed in turn, is refused.
  for (size_t at = 18; at < 18 + 64 + 1 + 8; ++at) {
    if (at == 18 + 64) continue;  // the space between key and check
    CAPTURE(at);
    auto loaded = LoadKeyFile(WriteKeyFile(dir / "flipped.key", FlipDigit(*text, at)));
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.find("key file " + dir / "flipped.key") == 0);
    CHECK(loaded.error().message.find("is damaged") != std::string::npos);
  }
  // A damaged shape (a digit lost, a letter that is no digit, an upper-case
  // digit) is refused the same way.
  for (std::string damaged :
       {text->substr(0, 40) + text->substr(41), text->substr(0, 40) + "g" + text->substr(41),
        text->substr(0, 18) + std::string(64, 'A') + text->substr(82),
        text->substr(0, text->size() - 2) + "\n"}) {
    CAPTURE(damaged);
    auto loaded = LoadKeyFile(WriteKeyFile(dir / "damaged.key", damaged));
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.error().message.find("is damaged") != std::string::npos);
  }
  // Line ends do not matter; the original still loads.
  auto crlf =
      LoadKeyFile(WriteKeyFile(dir / "crlf.key", text->substr(0, text->size() - 1) + "\r\n"));
  REQUIRE(crlf.ok());
  CHECK(crlf->public_key() == created->public_key());
  CHECK(LoadKeyFile(path)->public_key() == created->public_key());
}

TEST_CASE("a key file of the first format (64 hex digits alone) still loads") {
  test::TempDir dir;
  KeyPair key = KeyPair::Generate();
  std::string path = WriteKeyFile(dir / "old.key", ToHex(key.secret()) + "\n");
  auto loaded = LoadKeyFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == key.public_key());
  auto again = LoadOrCreateKeyFile(path);  // never rewritten
  REQUIRE(again.ok());
  CHECK(again->public_key() == key.public_key());
  CHECK(ReadWholeFile(path) == ToHex(key.secret()) + "\n");
}

TEST_CASE("a key file sealed under a passphrase loads with it, and only with it") {
  test::TempDir dir;
  std::string path = dir / "sealed.key";
  auto created = CreateKeyFile(path, std::string("correct horse battery staple"));
  REQUIRE(created.ok());
  auto text = ReadWholeFile(path);
  REQUIRE(text.has_value());
  CHECK(text->starts_with("tollstream-key-v2 scrypt 32768 8 1 "));
  CHECK(text->find(ToHex(created->secret())) == std::string::npos);  // not in the clear

  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "correct horse battery staple", 1);
  auto loaded = LoadKeyFile(path);
  REQUIRE_MESSAGE(loaded.ok(), loaded.error().message);
  CHECK(loaded->public_key() == created->public_key());

  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "correct horse battery stapler", 1);
  auto wrong = LoadKeyFile(path);
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("wrong passphrase") != std::string::npos);

  // A changed byte of the sealed key is found, never taken for another key.
  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "correct horse battery staple", 1);
  std::string changed = *text;
  size_t at = changed.size() - 10;
  changed[at] = changed[at] == '0' ? '1' : '0';
  auto damaged = LoadKeyFile(WriteKeyFile(dir / "changed.key", changed));
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().message.find("wrong passphrase (or the file was changed)") !=
        std::string::npos);
  auto cut = LoadKeyFile(WriteKeyFile(dir / "cut.key", text->substr(0, 60) + "\n"));
  REQUIRE_FALSE(cut.ok());
  CHECK(cut.error().message.find("is damaged") != std::string::npos);

  // With no passphrase given and no terminal to ask on: how to give one.
  ::unsetenv("TOLLSTREAM_KEY_PASSPHRASE");
  if (::access("/dev/tty", R_OK | W_OK) != 0) {
    auto none = LoadKeyFile(path);
    REQUIRE_FALSE(none.ok());
    CHECK(none.error().message.find(
              "is protected by a passphrase: set TOLLSTREAM_KEY_PASSPHRASE") != std::string::npos);
  }
}

}  // namespace tollstream
