// The human forms of addresses and public keys, for people (every CLI and
// page prints them and takes them): Bech32m (common/base/bech32.h) of the
// 32 bytes, with a prefix that says what it is —
//
//   toll1…      an address (ordinary, spend or income)
//   tollpub1…   a public key
//
// The checksum catches a mistyped or missing character, and, since it
// covers the prefix, a key passed where an address is wanted (and the other
// way round) is refused by name. The wire protocol keeps 64 hex digits.
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

inline constexpr std::string_view kAddressPrefix = "toll";
inline constexpr std::string_view kKeyPrefix = "tollpub";

// `address`: 64 lowercase hex digits. Returns toll1….
std::string AddressText(std::string_view address);
// Returns tollpub1….
std::string KeyText(const PublicKey& key);

// A key's description for people, one item a line: its public key and its
// ordinary address in their human forms, its 6-digit code, and both in hex
// (the wire's form).
std::string KeyLines(const PublicKey& key);

// An address given by a person, as 64 lowercase hex digits. Takes toll1…
// only: 64 hex digits may be a key as well as an address, and a key in
// either form is refused as such. Errors: kInvalidField, saying what is
// wrong and what to give.
Result<std::string> ParseAddressText(std::string_view text);
// A public key given by a person: tollpub1… or 64 hex digits (where a key
// is wanted, hex is no address). An address form is refused as such.
// Errors: kInvalidField.
Result<PublicKey> ParseKeyText(std::string_view text);

}  // namespace tollstream
