#include "common/base/bech32.h"

#include <array>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

constexpr std::string_view kAlphabet = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kBech32mConstant = 0x2bc830a3;
constexpr size_t kMaxLength = 90;

uint32_t Polymod(const std::vector<uint8_t>& values) {
  constexpr std::array<uint32_t, 5> kGenerator = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd,
                                                  0x2a1462b3};
  uint32_t chk = 1;
  for (uint8_t v : values) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (size_t i = 0; i < kGenerator.size(); ++i) {
      if ((top >> i) & 1) chk ^= kGenerator[i];
    }
  }
  return chk;
}

// The human-readable part expanded for the checksum, then `values`.
std::vector<uint8_t> Checked(std::string_view hrp, std::span<const uint8_t> values) {
  std::vector<uint8_t> out;
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
  out.push_back(0);
  for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
  out.insert(out.end(), values.begin(), values.end());
  return out;
}

Error Invalid(const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, why);
}

}  // namespace

std::string Bech32mEncode(std::string_view hrp, std::span<const uint8_t> values) {
  std::vector<uint8_t> checked = Checked(hrp, values);
  checked.insert(checked.end(), 6, 0);
  uint32_t mod = Polymod(checked) ^ kBech32mConstant;
  std::string out(hrp);
  out += '1';
  for (uint8_t v : values) out += kAlphabet[v & 31];
  for (int i = 0; i < 6; ++i) out += kAlphabet[(mod >> (5 * (5 - i))) & 31];
  return out;
}

Result<Bech32m> Bech32mDecode(std::string_view text) {
  if (text.size() > kMaxLength) return Invalid("longer than 90 characters");
  bool lower = false, upper = false;
  for (char c : text) {
    if (c < 33 || c > 126) return Invalid("holds a character that is not printable ASCII");
    lower |= c >= 'a' && c <= 'z';
    upper |= c >= 'A' && c <= 'Z';
  }
  if (lower && upper) return Invalid("mixes upper and lower case");
  size_t sep = text.rfind('1');
  if (sep == std::string_view::npos) return Invalid("has no separator '1'");
  if (sep == 0) return Invalid("has an empty prefix before the '1'");
  if (text.size() - sep - 1 < 6) return Invalid("is too short for its checksum");
  std::string lowered = AsciiLower(text);  // one case, as checked above
  Bech32m out;
  out.hrp = lowered.substr(0, sep);
  for (size_t i = sep + 1; i < lowered.size(); ++i) {
    size_t at = kAlphabet.find(lowered[i]);
    if (at == std::string_view::npos) {
      return Invalid(std::string("holds '") + text[i] + "', which is not a character of the form");
    }
    out.values.push_back(static_cast<uint8_t>(at));
  }
  if (Polymod(Checked(out.hrp, out.values)) != kBech32mConstant) {
    return Invalid("does not match its checksum (a character is mistyped or missing)");
  }
  out.values.resize(out.values.size() - 6);
  return out;
}

std::vector<uint8_t> BytesToGroups(std::span<const uint8_t> bytes) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back((acc >> bits) & 31);
    }
  }
  if (bits > 0) out.push_back((acc << (5 - bits)) & 31);
  return out;
}

Result<std::vector<uint8_t>> GroupsToBytes(std::span<const uint8_t> groups) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (uint8_t g : groups) {
    if (g > 31) return Invalid("holds a group above 31");
    acc = ((acc << 5) | g) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back((acc >> bits) & 0xff);
    }
  }
  if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0) return Invalid("has bits left over");
  return out;
}

}  // namespace tollstream
