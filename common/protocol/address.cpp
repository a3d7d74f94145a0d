#include "common/protocol/address.h"

#include "common/base/hex.h"
#include "common/crypto/sha.h"

namespace tollstream {

std::string AddressOf(const PublicKey& key) {
  Hash224 inner = Sha224(key.bytes());
  return ToHex(Sha256(inner));
}

std::string SpecialAddressOf(std::string_view kind, const PublicKey& tracker,
                             const PublicKey& owner, uint64_t generation) {
  std::string payload = "tollstream/" + std::string(kind);
  payload.append(reinterpret_cast<const char*>(tracker.bytes().data()), 32);
  payload.append(reinterpret_cast<const char*>(owner.bytes().data()), 32);
  for (int i = 7; i >= 0; --i) payload.push_back(static_cast<char>(generation >> (8 * i) & 0xff));
  Hash224 inner = Sha224({reinterpret_cast<const uint8_t*>(payload.data()), payload.size()});
  return ToHex(Sha256(inner));
}

bool IsAddress(std::string_view text) {
  return IsLowerHex(text, 64);
}

}  // namespace tollstream
