// Token addresses, as 64 lowercase hex digits. An ordinary address is
// A = SHA256(SHA224(PK)) over the 32 bytes of an x-only public key; the
// special (income, spend) addresses a tracker opens for an owner are
// derived from both keys and a number (api-spec/signing.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/crypto/keys.h"

namespace tollstream {

std::string AddressOf(const PublicKey& key);

// The special address number `generation` (0 first) of `kind` ("income" or
// "spend") that tracker `tracker` opens for `owner`:
//   hex(SHA256(SHA224("tollstream/" kind || PK_T || PK_owner || u64be generation)))
std::string SpecialAddressOf(std::string_view kind, const PublicKey& tracker,
                             const PublicKey& owner, uint64_t generation);

// True when `text` has the form of an address (64 lowercase hex digits).
bool IsAddress(std::string_view text);

}  // namespace tollstream
