// Key files. Written as one line,
//   tollstream-key-v1 <the secret key: 64 lowercase hex digits> <check: 8 hex digits>
// where the check is the first 4 bytes of SHA-256 of the secret's 32 bytes,
// so that a changed digit makes the file an error (damaged), not another
// key. Files of the first format, one line of the 64 hex digits alone, still
// load (nothing checks them). Created with mode 0600; a key file that group
// or others may read or write is refused.
//
// A key file may be protected by a passphrase (opt-in): then its line is
//   tollstream-key-v2 scrypt <N> <r> <p> <salt: 32 hex> <nonce: 24 hex> <sealed: 96 hex>
// the secret sealed as common/crypto/sealed_secret.h says. Loading it asks
// for the passphrase (common/cli/passphrase.h: TOLLSTREAM_KEY_PASSPHRASE, or the
// terminal).
#pragma once

#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

// Creates `path` (which must not exist) holding a fresh key, sealed under
// `passphrase` when given.
Result<KeyPair> CreateKeyFile(const std::string& path,
                              const std::optional<std::string>& passphrase = std::nullopt);

// Reads the key in `path`. Errors: missing or unreadable file, permissions
// wider than 0600, malformed content, a check that does not match the key;
// for a protected file, no passphrase given, or a wrong one.
Result<KeyPair> LoadKeyFile(const std::string& path);

// Loads `path`, creating it first when it does not exist.
Result<KeyPair> LoadOrCreateKeyFile(const std::string& path);

}  // namespace tollstream
