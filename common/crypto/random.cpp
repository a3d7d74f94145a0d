#include "common/crypto/random.h"

#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

#include "common/base/hex.h"

namespace tollstream {

void RandomBytes(std::span<uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) std::abort();
}

std::string RandomHex(size_t bytes) {
  std::vector<uint8_t> buf(bytes);
  RandomBytes(buf);
  return ToHex(buf);
}

}  // namespace tollstream
