#include "common/cli/key_file.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "common/base/hex.h"
#include "common/cli/passphrase.h"
#include "common/crypto/sealed_secret.h"
#include "common/crypto/sha.h"

namespace tollstream {
namespace {

constexpr std::string_view kFormat = "tollstream-key-v1";
constexpr std::string_view kSealedFormat = "tollstream-key-v2 scrypt ";
constexpr size_t kSecretDigits = 64;
constexpr size_t kCheckDigits = 8;

Error FileError(const std::string& path, const std::string& what) {
  return MakeError(ErrorCode::kInvalidField, "key file " + path + ": " + what);
}

// The check a key file carries after the secret (see the header).
std::string CheckOf(const SecretBytes& secret) {
  Hash256 digest = Sha256(std::span<const uint8_t>(secret));
  std::string check = ToHex(std::span<const uint8_t>(digest.data(), kCheckDigits / 2));
  OPENSSL_cleanse(digest.data(), digest.size());
  return check;
}

Result<SecretBytes> Unsealed(const std::string& path, std::string_view rest);

// The secret in a key file's line (its line end removed).
Result<SecretBytes> ParseLine(const std::string& path, std::string_view line) {
  if (line.starts_with(kSealedFormat)) return Unsealed(path, line.substr(kSealedFormat.size()));
  if (!line.starts_with(kFormat)) {  // the first format: the secret alone
    auto secret = FromHexFixed<32>(line);
    if (!secret) {
      return FileError(path, "does not hold a key (\"" + std::string(kFormat) +
                                 " <64 hex digits> <8 hex digits>\", or 64 hex digits)");
    }
    return *secret;
  }
  std::string_view rest = line.substr(kFormat.size());
  bool shaped = rest.size() == 1 + kSecretDigits + 1 + kCheckDigits && rest[0] == ' ' &&
                rest[1 + kSecretDigits] == ' ';
  auto secret = shaped ? FromHexFixed<32>(rest.substr(1, kSecretDigits)) : std::nullopt;
  if (!secret) {
    return FileError(path, "is damaged: it does not read \"" + std::string(kFormat) +
                               " <64 hex digits> <8 hex digits>\"; restore it from a backup");
  }
  if (CheckOf(*secret) != rest.substr(2 + kSecretDigits)) {
    OPENSSL_cleanse(secret->data(), secret->size());
    return FileError(path,
                     "is damaged: its check digits do not match its key (a digit was changed); "
                     "restore it from a backup");
  }
  return *secret;
}

// A protected key file's line (see the header).
std::string SealedLine(const SealedSecret& s) {
  return std::string(kSealedFormat) + std::to_string(s.n) + " " + std::to_string(s.r) + " " +
         std::to_string(s.p) + " " + ToHex(s.salt) + " " + ToHex(s.nonce) + " " + ToHex(s.sealed);
}

// The sealed secret of a protected key file's line, after kSealedFormat.
std::optional<SealedSecret> ParseSealed(std::string_view rest) {
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    size_t space = rest.find(' ');
    parts.push_back(rest.substr(0, space));
    rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
  }
  if (parts.size() != 6) return std::nullopt;
  SealedSecret s;
  for (auto [part, value] : {std::pair{parts[0], &s.n}, {parts[1], &s.r}, {parts[2], &s.p}}) {
    auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), *value);
    if (ec != std::errc() || end != part.data() + part.size()) return std::nullopt;
  }
  auto salt = FromHexFixed<16>(parts[3]);
  auto nonce = FromHexFixed<12>(parts[4]);
  auto sealed = FromHexFixed<48>(parts[5]);
  if (!salt || !nonce || !sealed) return std::nullopt;
  s.salt = *salt;
  s.nonce = *nonce;
  s.sealed = *sealed;
  return s;
}

// The secret of a protected key file, unsealed with the passphrase asked for.
Result<SecretBytes> Unsealed(const std::string& path, std::string_view rest) {
  auto sealed = ParseSealed(rest);
  if (!sealed) {
    return FileError(path, "is damaged: it does not read \"" + std::string(kSealedFormat) +
                               "N r p <salt> <nonce> <sealed key>\"; restore it from a backup");
  }
  auto passphrase = ReadPassphrase("key file " + path, /*confirm=*/false);
  if (!passphrase) return passphrase.error();
  auto secret = Unseal(*sealed, *passphrase);
  OPENSSL_cleanse(passphrase->data(), passphrase->size());
  if (!secret) return FileError(path, secret.error().message);
  return *secret;
}

std::string Errno() {
  return std::strerror(errno);
}

}  // namespace

Result<KeyPair> CreateKeyFile(const std::string& path,
                              const std::optional<std::string>& passphrase) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return FileError(path, "cannot create: " + Errno());
  KeyPair pair = KeyPair::Generate();
  SecretBytes secret = pair.secret();
  std::string line =
      passphrase ? SealedLine(Seal(secret, *passphrase)) + "\n"
                 : std::string(kFormat) + " " + ToHex(secret) + " " + CheckOf(secret) + "\n";
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
  char buf[256];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  if (n < 0) return FileError(path, "cannot read: " + Errno());
  std::string_view text(buf, static_cast<size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  auto secret = ParseLine(path, text);
  OPENSSL_cleanse(buf, sizeof(buf));
  if (!secret) return secret.error();
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
