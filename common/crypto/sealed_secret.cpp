#include "common/crypto/sealed_secret.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

#include "common/crypto/random.h"

namespace tollstream {
namespace {

constexpr uint64_t kMaxMemory = uint64_t{256} << 20;  // what a key file may make scrypt use

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

// The AES key scrypt derives from `passphrase` with `s`'s parameters.
bool Derive(const SealedSecret& s, std::string_view passphrase, std::array<uint8_t, 32>& key) {
  return EVP_PBE_scrypt(passphrase.data(), passphrase.size(), s.salt.data(), s.salt.size(), s.n,
                        s.r, s.p, kMaxMemory, key.data(), key.size()) == 1;
}

}  // namespace

SealedSecret Seal(const SecretBytes& secret, std::string_view passphrase) {
  SealedSecret s;
  RandomBytes(s.salt);
  RandomBytes(s.nonce);
  std::array<uint8_t, 32> key{};
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int tail = 0;
  bool ok =
      ctx && Derive(s, passphrase, key) &&
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), s.nonce.data()) == 1 &&
      EVP_EncryptUpdate(ctx.get(), s.sealed.data(), &len, secret.data(),
                        static_cast<int>(secret.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), s.sealed.data() + len, &tail) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, s.sealed.data() + 32) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) std::abort();  // no secret may be written unsealed, nor sealed badly
  return s;
}

Result<SecretBytes> Unseal(const SealedSecret& s, std::string_view passphrase) {
  if (s.n < 2 || (s.n & (s.n - 1)) != 0 || s.n > (uint64_t{1} << 20) || s.r == 0 || s.r > 32 ||
      s.p == 0 || s.p > 16) {
    return MakeError(ErrorCode::kInvalidField, "scrypt parameters out of bounds");
  }
  std::array<uint8_t, 32> key{};
  if (!Derive(s, passphrase, key)) {
    return MakeError(ErrorCode::kInvalidField, "scrypt parameters this machine cannot run");
  }
  SecretBytes secret{};
  CipherContext ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  int tail = 0;
  std::array<uint8_t, 16> tag{};
  std::copy(s.sealed.begin() + 32, s.sealed.end(), tag.begin());
  bool ok =
      ctx &&
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), s.nonce.data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), secret.data(), &len, s.sealed.data(), 32) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), secret.data() + len, &tail) == 1;
  OPENSSL_cleanse(key.data(), key.size());
  if (!ok) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return MakeError(ErrorCode::kBadSignature, "wrong passphrase (or the file was changed)");
  }
  return secret;
}

}  // namespace tollstream
