#include "common/protocol/address.h"

#include <span>

#include "common/base/hex.h"
#include "common/crypto/sha.h"

namespace tollstream {
namespace {

// hex(SHA256(SHA224(bytes))): every address's form.
std::string AddressHash(std::span<const uint8_t> bytes) {
  return ToHex(Sha256(Sha224(bytes)));
}

}  // namespace

std::string AddressOf(const PublicKey& key) {
  return AddressHash(key.bytes());
}

std::string SpecialAddressOf(std::string_view kind, const PublicKey& tracker,
                             const PublicKey& owner, uint64_t generation) {
  std::string payload = "tollstream/" + std::string(kind);
  payload.append(reinterpret_cast<const char*>(tracker.bytes().data()), 32);
  payload.append(reinterpret_cast<const char*>(owner.bytes().data()), 32);
  for (int i = 7; i >= 0; --i) payload.push_back(static_cast<char>(generation >> (8 * i) & 0xff));
  return AddressHash({reinterpret_cast<const uint8_t*>(payload.data()), payload.size()});
}

bool IsAddress(std::string_view text) {
  return IsLowerHex(text, 64);
}

}  // namespace tollstream
