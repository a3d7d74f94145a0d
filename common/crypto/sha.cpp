#include "common/crypto/sha.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace tollstream {
namespace {

// Digest algorithms are fetched once: fetching per call costs as much as
// hashing a small message.
const EVP_MD* FetchedMd(const char* name) {
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // OpenSSL without SHA-2 cannot run this program
  return md;
}

const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchedMd("SHA256");
  return md;
}

const EVP_MD* Sha224Md() {
  static const EVP_MD* md = FetchedMd("SHA224");
  return md;
}

// One reusable context per thread.
EVP_MD_CTX* ThreadContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

template <size_t N>
std::array<uint8_t, N> OneShot(const EVP_MD* md, std::span<const uint8_t> a,
                               std::span<const uint8_t> b = {}) {
  EVP_MD_CTX* ctx = ThreadContext();
  std::array<uint8_t, N> out;
  unsigned int len = 0;
  if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
      EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != N) {
    std::abort();  // hashing memory cannot fail short of a broken library
  }
  return out;
}

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Hash256 Sha256(std::span<const uint8_t> data) {
  return OneShot<32>(Sha256Md(), data);
}

Hash256 Sha256(std::string_view data) {
  return Sha256(Bytes(data));
}

Hash224 Sha224(std::span<const uint8_t> data) {
  return OneShot<28>(Sha224Md(), data);
}

Hash256 TaggedHash(std::string_view tag, std::string_view data) {
  Hash256 tag_hash = Sha256(tag);
  std::array<uint8_t, 64> prefix;
  std::memcpy(prefix.data(), tag_hash.data(), 32);
  std::memcpy(prefix.data() + 32, tag_hash.data(), 32);
  return OneShot<32>(Sha256Md(), prefix, Bytes(data));
}

struct Sha256Hasher::Impl {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Impl() { EVP_MD_CTX_free(ctx); }
};

Sha256Hasher::Sha256Hasher() : m_impl(std::make_unique<Impl>()) {
  if (m_impl->ctx == nullptr || EVP_DigestInit_ex2(m_impl->ctx, Sha256Md(), nullptr) != 1) {
    std::abort();
  }
}

Sha256Hasher::~Sha256Hasher() = default;

void Sha256Hasher::Update(std::span<const uint8_t> data) {
  if (EVP_DigestUpdate(m_impl->ctx, data.data(), data.size()) != 1) std::abort();
}

void Sha256Hasher::Update(std::string_view data) {
  Update(Bytes(data));
}

Hash256 Sha256Hasher::Finish() {
  Hash256 out;
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(m_impl->ctx, out.data(), &len) != 1 || len != 32) std::abort();
  return out;
}

}  // namespace tollstream
