// Lowercase hexadecimal, the only form keys, hashes and signatures take on the
// wire: uppercase or odd-length input is refused, so every value has one spelling.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tollstream {

std::string ToHex(std::span<const uint8_t> bytes);

// nullopt unless `hex` is lowercase hexadecimal of even length.
std::optional<std::vector<uint8_t>> FromHex(std::string_view hex);

// nullopt unless `hex` is exactly 2*N lowercase hexadecimal digits.
template <size_t N>
std::optional<std::array<uint8_t, N>> FromHexFixed(std::string_view hex) {
  if (hex.size() != 2 * N) return std::nullopt;
  auto bytes = FromHex(hex);
  if (!bytes) return std::nullopt;
  std::array<uint8_t, N> out;
  for (size_t i = 0; i < N; ++i) out[i] = (*bytes)[i];
  return out;
}

bool IsLowerHex(std::string_view text, size_t length);

}  // namespace tollstream
