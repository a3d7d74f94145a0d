// SHA-256 and SHA-224 (OpenSSL), and BIP-340 style tagged hashes. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace tollstream {

using Hash256 = std::array<uint8_t, 32>;
using Hash224 = std::array<uint8_t, 28>;

Hash256 Sha256(std::span<const uint8_t> data);
Hash256 Sha256(std::string_view data);
Hash224 Sha224(std::span<const uint8_t> data);

// SHA256(SHA256(tag) || SHA256(tag) || data), as BIP-340 defines tagged hashes:
// a digest under one tag never equals a digest of the same data under another.
Hash256 TaggedHash(std::string_view tag, std::string_view data);

// Incremental SHA-256 for data that arrives in pieces (segments, files).
// Not thread-safe; one instance per stream of data.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // Returns the digest; the hasher must not be used afterwards.
  Hash256 Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
