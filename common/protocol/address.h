// Ordinary token addresses: A = SHA256(SHA224(PK)) over the 32 bytes of an
// x-only public key, as 64 lowercase hex digits.
#pragma once

#include <string>
#include <string_view>

#include "common/crypto/keys.h"

namespace tollstream {

std::string AddressOf(const PublicKey& key);

// True when `text` has the form of an address (64 lowercase hex digits).
bool IsAddress(std::string_view text);

}  // namespace tollstream
