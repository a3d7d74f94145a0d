// Cryptographically secure random bytes from OpenSSL's RNG. Thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace tollstream {

// Fills `out`. Aborts if the RNG fails: no key or nonce may come from a failed RNG.
void RandomBytes(std::span<uint8_t> out);

// `bytes` random bytes as lowercase hex (a nonce).
std::string RandomHex(size_t bytes);

}  // namespace tollstream
