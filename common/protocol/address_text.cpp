#include "common/protocol/address_text.h"

#include <optional>
#include <vector>

#include "common/base/ascii.h"
#include "common/base/bech32.h"
#include "common/base/hex.h"
#include "common/protocol/address.h"

namespace tollstream {
namespace {

Error Invalid(const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, why);
}

std::string Encode(std::string_view prefix, std::span<const uint8_t> bytes) {
  return Bech32mEncode(prefix, BytesToGroups(bytes));
}

// `text` in lower case when it is 64 hex digits of either case.
std::optional<std::string> Hex64(std::string_view text) {
  std::string lower = AsciiLower(text);
  if (!IsLowerHex(lower, 64)) return std::nullopt;
  return lower;
}

// Whether `text` starts with `prefix` (lower case), in either case.
bool StartsWith(std::string_view text, std::string_view prefix) {
  return AsciiLower(text.substr(0, prefix.size())) == prefix;
}

// The 32 bytes of `text` in the form with `prefix`; `what` names it in errors.
Result<std::vector<uint8_t>> Decode(std::string_view text, std::string_view prefix,
                                    const std::string& what) {
  auto decoded = Bech32mDecode(text);
  if (!decoded)
    return Invalid(std::string(text) + " is no " + what + ": it " + decoded.error().message);
  if (decoded->hrp != prefix) return Invalid(std::string(text) + " is no " + what);
  auto bytes = GroupsToBytes(decoded->values);
  if (!bytes || bytes->size() != 32) {
    return Invalid(
        std::string(text) + " is no " + what + ": it holds " +
        (bytes ? std::to_string(bytes->size()) + " bytes, not 32" : bytes.error().message));
  }
  return std::move(*bytes);
}

}  // namespace

std::string AddressText(std::string_view address) {
  auto bytes = FromHexFixed<32>(address);
  return bytes ? Encode(kAddressPrefix, *bytes) : std::string(address);
}

std::string KeyText(const PublicKey& key) {
  return Encode(kKeyPrefix, key.bytes());
}

std::string KeyLines(const PublicKey& key) {
  std::string address = AddressOf(key);
  return "public key:       " + KeyText(key) + "\n" + "address:          " + AddressText(address) +
         "\n" + "code:             " + KeyCode(key) + "\n" + "public key (hex): " + key.ToHex() +
         "\n" + "address (hex):    " + address + "\n";
}

Result<std::string> ParseAddressText(std::string_view text) {
  if (StartsWith(text, std::string(kKeyPrefix) + "1")) {
    return Invalid(std::string(text) +
                   " is a public key, not an address: tokens sent to a key are lost. Send to "
                   "its address (toll1…; `peer wallet address` prints a key's own)");
  }
  if (Hex64(text)) {
    return Invalid(
        "64 hex digits may be a public key as well as an address: give the address "
        "as toll1… (`peer wallet address` prints it; the tracker's dashboard shows "
        "every address so)");
  }
  if (!StartsWith(text, std::string(kAddressPrefix) + "1")) {
    return Invalid(std::string(text) + " is no address: an address reads toll1…");
  }
  auto bytes = Decode(text, kAddressPrefix, "address");
  if (!bytes) return bytes.error();
  return ToHex(*bytes);
}

Result<PublicKey> ParseKeyText(std::string_view text) {
  if (StartsWith(text, std::string(kAddressPrefix) + "1")) {
    return Invalid(std::string(text) + " is an address, not a public key (tollpub1…)");
  }
  std::optional<PublicKey> key;
  if (auto hex = Hex64(text)) {
    key = PublicKey::FromHex(*hex);
  } else {
    auto bytes = Decode(text, kKeyPrefix, "public key");
    if (!bytes) return bytes.error();
    key = PublicKey::FromHex(ToHex(*bytes));
  }
  if (!key) return Invalid(std::string(text) + " is no public key (not a point of the curve)");
  return *key;
}

}  // namespace tollstream
