// A 32-byte secret sealed under a passphrase, for key files that a stolen
// copy alone does not give away: scrypt (OpenSSL's, N = 2^15, r = 8, p = 1:
// 32 MiB and about a tenth of a second here, per guess) derives a 256-bit
// key from the passphrase and a random 16-byte salt; AES-256-GCM with a
// random 12-byte nonce seals the secret, so that a wrong passphrase or a
// changed byte is found, never taken for another key.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

struct SealedSecret {
  uint64_t n = uint64_t{1} << 15;  // scrypt's cost parameters
  uint64_t r = 8;
  uint64_t p = 1;
  std::array<uint8_t, 16> salt{};
  std::array<uint8_t, 12> nonce{};
  std::array<uint8_t, 48> sealed{};  // the secret encrypted, then its 16-byte tag
};

// Seals `secret` under `passphrase` with a fresh salt and nonce.
SealedSecret Seal(const SecretBytes& secret, std::string_view passphrase);
// The secret, when `passphrase` is the one it was sealed under. Errors:
// kBadSignature (a wrong passphrase, or changed bytes: the two cannot be
// told apart), kInvalidField (cost parameters out of bounds).
Result<SecretBytes> Unseal(const SealedSecret& s, std::string_view passphrase);

}  // namespace tollstream
