// secp256k1 keys and BIP-340 Schnorr signatures over 32-byte digests
// (libsecp256k1). Every raw secp256k1 call lives in keys.cpp.
//
// Thread safety: PublicKey and KeyPair are immutable after construction; their
// const methods may be called from any number of threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/crypto/sha.h"

namespace tollstream {

using Signature = std::array<uint8_t, 64>;
using SecretBytes = std::array<uint8_t, 32>;

// An x-only public key (32 bytes on the wire), parsed once. A default-made
// key is empty: it verifies nothing and equals only other empty keys.
class PublicKey {
 public:
  PublicKey() = default;
  bool empty() const { return !m_valid; }
  // nullopt unless `bytes` is the x coordinate of a point on the curve.
  static std::optional<PublicKey> FromBytes(std::span<const uint8_t> bytes);
  // nullopt unless `hex` is 64 lowercase hex digits of a valid key.
  static std::optional<PublicKey> FromHex(std::string_view hex);

  const std::array<uint8_t, 32>& bytes() const { return m_bytes; }
  std::string ToHex() const;

  // True when `sig` is a valid BIP-340 signature of `digest` by this key.
  bool Verify(const Hash256& digest, const Signature& sig) const;
  // The same for any message length, as BIP-340 allows (used by test vectors).
  bool VerifyMessage(std::span<const uint8_t> message, const Signature& sig) const;

  friend bool operator==(const PublicKey& a, const PublicKey& b) { return a.m_bytes == b.m_bytes; }

 private:
  bool m_valid = false;
  std::array<uint8_t, 32> m_bytes{};
  std::array<uint8_t, 64> m_parsed{};  // secp256k1_xonly_pubkey
};

// A secret key with its public key, ready to sign. The secret is wiped when
// the object is destroyed.
class KeyPair {
 public:
  // A fresh key from OpenSSL's RNG.
  static KeyPair Generate();
  // nullopt unless `secret` is a valid secret key (nonzero, below the group order).
  static std::optional<KeyPair> FromSecret(std::span<const uint8_t> secret);

  KeyPair(const KeyPair& other);
  KeyPair& operator=(const KeyPair& other);
  ~KeyPair();

  const PublicKey& public_key() const { return m_public; }
  SecretBytes secret() const;

  // BIP-340 signature of `digest`, with fresh auxiliary randomness.
  Signature Sign(const Hash256& digest) const;
  // With the given auxiliary randomness (deterministic; for test vectors).
  Signature SignWithAux(const Hash256& digest, const std::array<uint8_t, 32>& aux) const;

 private:
  KeyPair(const std::array<uint8_t, 96>& keypair, PublicKey public_key);
  std::array<uint8_t, 96> m_keypair{};  // secp256k1_keypair
  PublicKey m_public;
};

// Six decimal digits derived from a public key, for two people to compare
// aloud (a forged key shows another code with probability 1 - 10^-6).
std::string KeyCode(const PublicKey& key);

}  // namespace tollstream
