// Key files: one line, the secret key as 64 lowercase hex digits. Created with
// mode 0600; a key file that group or others may read or write is refused.
#pragma once

#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

// Creates `path` (which must not exist) holding a fresh key.
Result<KeyPair> CreateKeyFile(const std::string& path);

// Reads the key in `path`. Errors: missing or unreadable file, permissions
// wider than 0600, malformed content.
Result<KeyPair> LoadKeyFile(const std::string& path);

// Loads `path`, creating it first when it does not exist.
Result<KeyPair> LoadOrCreateKeyFile(const std::string& path);

}  // namespace tollstream
