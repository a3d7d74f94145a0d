#include "common/crypto/keys.h"

#include <openssl/crypto.h>
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common/base/hex.h"
#include "common/crypto/random.h"

namespace tollstream {
namespace {

static_assert(sizeof(secp256k1_xonly_pubkey) == 64);
static_assert(sizeof(secp256k1_keypair) == 96);

// The one context of the process: created and randomized on first use, then
// only read, which libsecp256k1 allows from many threads at once.
const secp256k1_context* Context() {
  static const secp256k1_context* ctx = [] {
    secp256k1_context* c = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    std::array<uint8_t, 32> seed;
    RandomBytes(seed);
    if (c == nullptr || secp256k1_context_randomize(c, seed.data()) != 1) std::abort();
    OPENSSL_cleanse(seed.data(), seed.size());
    return c;
  }();
  return ctx;
}

secp256k1_xonly_pubkey AsXonly(const std::array<uint8_t, 64>& raw) {
  secp256k1_xonly_pubkey key;
  std::memcpy(key.data, raw.data(), raw.size());
  return key;
}

secp256k1_keypair AsKeypair(const std::array<uint8_t, 96>& raw) {
  secp256k1_keypair kp;
  std::memcpy(kp.data, raw.data(), raw.size());
  return kp;
}

// Recently parsed keys (parsing costs a square root, about 5 µs; the same
// keys arrive in request after request). Direct-mapped by the key's low
// bytes, sharded by one mutex per slot group; a collision only evicts.
class ParsedKeyCache {
 public:
  bool Find(std::span<const uint8_t> bytes, std::array<uint8_t, 64>& parsed) {
    Slot& slot = SlotOf(bytes);
    std::lock_guard lock(ShardOf(bytes));
    if (!slot.used || std::memcmp(slot.bytes.data(), bytes.data(), 32) != 0) return false;
    parsed = slot.parsed;
    return true;
  }
  void Add(std::span<const uint8_t> bytes, const std::array<uint8_t, 64>& parsed) {
    Slot& slot = SlotOf(bytes);
    std::lock_guard lock(ShardOf(bytes));
    slot.used = true;
    std::memcpy(slot.bytes.data(), bytes.data(), 32);
    slot.parsed = parsed;
  }

 private:
  static constexpr size_t kSlots = 4096, kShards = 64;
  struct Slot {
    bool used = false;
    std::array<uint8_t, 32> bytes{};
    std::array<uint8_t, 64> parsed{};
  };
  static size_t Index(std::span<const uint8_t> bytes) {
    return (static_cast<size_t>(bytes[30]) << 8 | bytes[31]) % kSlots;
  }
  Slot& SlotOf(std::span<const uint8_t> bytes) { return m_slots[Index(bytes)]; }
  std::mutex& ShardOf(std::span<const uint8_t> bytes) { return m_shards[Index(bytes) % kShards]; }

  std::array<Slot, kSlots> m_slots{};
  std::array<std::mutex, kShards> m_shards;
};

ParsedKeyCache& KeyCache() {
  static ParsedKeyCache* cache = new ParsedKeyCache();  // never destroyed: used until exit
  return *cache;
}

}  // namespace

std::optional<PublicKey> PublicKey::FromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != 32) return std::nullopt;
  PublicKey key;
  if (!KeyCache().Find(bytes, key.m_parsed)) {
    secp256k1_xonly_pubkey parsed;
    if (secp256k1_xonly_pubkey_parse(Context(), &parsed, bytes.data()) != 1) return std::nullopt;
    std::memcpy(key.m_parsed.data(), parsed.data, 64);
    KeyCache().Add(bytes, key.m_parsed);
  }
  key.m_valid = true;
  std::memcpy(key.m_bytes.data(), bytes.data(), 32);
  return key;
}

std::optional<PublicKey> PublicKey::FromHex(std::string_view hex) {
  auto bytes = FromHexFixed<32>(hex);
  if (!bytes) return std::nullopt;
  return FromBytes(*bytes);
}

std::string PublicKey::ToHex() const {
  return tollstream::ToHex(m_bytes);
}

bool PublicKey::Verify(const Hash256& digest, const Signature& sig) const {
  return VerifyMessage(digest, sig);
}

bool PublicKey::VerifyMessage(std::span<const uint8_t> message, const Signature& sig) const {
  if (!m_valid) return false;
  secp256k1_xonly_pubkey key = AsXonly(m_parsed);
  return secp256k1_schnorrsig_verify(Context(), sig.data(), message.data(), message.size(), &key) ==
         1;
}

KeyPair::KeyPair(const std::array<uint8_t, 96>& keypair, PublicKey public_key)
    : m_keypair(keypair), m_public(public_key) {}

KeyPair::KeyPair(const KeyPair& other) = default;

KeyPair& KeyPair::operator=(const KeyPair& other) {
  if (this != &other) {
    m_keypair = other.m_keypair;
    m_public = other.m_public;
  }
  return *this;
}

KeyPair::~KeyPair() {
  OPENSSL_cleanse(m_keypair.data(), m_keypair.size());
}

KeyPair KeyPair::Generate() {
  for (;;) {
    SecretBytes secret;
    RandomBytes(secret);
    auto pair = FromSecret(secret);
    OPENSSL_cleanse(secret.data(), secret.size());
    if (pair) return *pair;  // fails with probability ~2^-128: draw again
  }
}

std::optional<KeyPair> KeyPair::FromSecret(std::span<const uint8_t> secret) {
  if (secret.size() != 32) return std::nullopt;
  secp256k1_keypair kp;
  if (secp256k1_keypair_create(Context(), &kp, secret.data()) != 1) return std::nullopt;
  secp256k1_xonly_pubkey xonly;
  std::array<uint8_t, 32> pub_bytes;
  if (secp256k1_keypair_xonly_pub(Context(), &xonly, nullptr, &kp) != 1 ||
      secp256k1_xonly_pubkey_serialize(Context(), pub_bytes.data(), &xonly) != 1) {
    OPENSSL_cleanse(kp.data, sizeof(kp.data));
    return std::nullopt;
  }
  auto pub = PublicKey::FromBytes(pub_bytes);
  std::array<uint8_t, 96> raw;
  std::memcpy(raw.data(), kp.data, raw.size());
  OPENSSL_cleanse(kp.data, sizeof(kp.data));
  KeyPair pair(raw, *pub);
  OPENSSL_cleanse(raw.data(), raw.size());
  return pair;
}

SecretBytes KeyPair::secret() const {
  secp256k1_keypair kp = AsKeypair(m_keypair);
  SecretBytes out;
  if (secp256k1_keypair_sec(Context(), out.data(), &kp) != 1) std::abort();
  OPENSSL_cleanse(kp.data, sizeof(kp.data));
  return out;
}

Signature KeyPair::Sign(const Hash256& digest) const {
  std::array<uint8_t, 32> aux;
  RandomBytes(aux);
  return SignWithAux(digest, aux);
}

Signature KeyPair::SignWithAux(const Hash256& digest, const std::array<uint8_t, 32>& aux) const {
  secp256k1_keypair kp = AsKeypair(m_keypair);
  Signature sig;
  int ok = secp256k1_schnorrsig_sign32(Context(), sig.data(), digest.data(), &kp, aux.data());
  OPENSSL_cleanse(kp.data, sizeof(kp.data));
  if (ok != 1) std::abort();  // cannot fail for a valid keypair
  return sig;
}

std::string KeyCode(const PublicKey& key) {
  std::string_view data(reinterpret_cast<const char*>(key.bytes().data()), key.bytes().size());
  Hash256 h = TaggedHash("tollstream/code", data);
  uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n = n << 8 | h[i];
  std::string code = std::to_string(n % 1000000);
  return std::string(6 - code.size(), '0') + code;
}

}  // namespace tollstream
