#include "common/cli/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "common/base/hex.h"

namespace tollstream {
namespace {

Error FileError(const std::string& path, const std::string& what) {
  return MakeError(ErrorCode::kInvalidField, "key file " + path + ": " + what);
}

std::string Errno() {
  return std::strerror(errno);
}

}  // namespace

Result<KeyPair> CreateKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path, "cannot create: " + Errno());
  KeyPair pair = KeyPair::Generate();
  SecretBytes secret = pair.secret();
  std::string line = ToHex(secret) + "\n";
  OPENSSL_cleanse(secret.data(), secret.size());
  // The umask may have narrowed the mode; make it exactly 0600.
  bool ok = ::fchmod(fd, 0600) == 0 &&
            ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
            ::fsync(fd) == 0;
  std::string reason = ok ? "" : Errno();
  OPENSSL_cleanse(line.data(), line.size());
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return FileError(path, "cannot write: " + reason);
  }
  return pair;
}

Result<KeyPair> LoadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, "cannot open: " + Errno());
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return FileError(path, "cannot stat: " + Errno());
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%03o", static_cast<unsigned>(st.st_mode & 0777));
    return FileError(path, std::string("is accessible by group or others (mode ") + mode +
                               "); run chmod 600 on it");
  }
  char buf[128];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  if (n < 0) return FileError(path, "cannot read: " + Errno());
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto secret = FromHexFixed<32>(text);
  OPENSSL_cleanse(buf, sizeof(buf));
  if (!secret) return FileError(path, "does not hold a 64-hex-digit secret key");
  auto pair = KeyPair::FromSecret(*secret);
  OPENSSL_cleanse(secret->data(), secret->size());
  if (!pair) return FileError(path, "holds an invalid secret key");
  return *pair;
}

Result<KeyPair> LoadOrCreateKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return CreateKeyFile(path);
  return LoadKeyFile(path);
}

}  // namespace tollstream
