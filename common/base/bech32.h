// Bech32m (BIP-350): a human-readable part, the separator '1', data in
// 5-bit groups as the characters "qpzry9x8gf2tvdw0s3jn54khce6mua7l", and a
// 6-character checksum over both that catches any error in up to 4
// characters and tells one human-readable part from another. Encoded in
// lower case; decoding takes either case, not a mix.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

struct Bech32m {
  std::string hrp;              // lower case
  std::vector<uint8_t> values;  // 5-bit groups, checksum excluded
};

// `hrp`: 1 to 83 characters from '!' to '~', lower case; `values` below 32.
std::string Bech32mEncode(std::string_view hrp, std::span<const uint8_t> values);
// Errors (kInvalidField, saying which): over 90 characters, mixed case, no
// separator, an empty or invalid human-readable part, a character outside
// the alphabet, a checksum that does not match.
Result<Bech32m> Bech32mDecode(std::string_view text);

// Bytes as 5-bit groups (the last padded with zero bits), and back; back
// fails on padding of 5 bits or more, or padding bits that are not zero.
std::vector<uint8_t> BytesToGroups(std::span<const uint8_t> bytes);
Result<std::vector<uint8_t>> GroupsToBytes(std::span<const uint8_t> groups);

}  // namespace tollstream
