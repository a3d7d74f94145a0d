#include "common/protocol/address.h"

#include "common/base/hex.h"
#include "common/crypto/sha.h"

namespace tollstream {

std::string AddressOf(const PublicKey& key) {
  Hash224 inner = Sha224(key.bytes());
  return ToHex(Sha256(inner));
}

bool IsAddress(std::string_view text) {
  return IsLowerHex(text, 64);
}

}  // namespace tollstream
