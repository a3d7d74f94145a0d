// Token amounts and counters: unsigned integers that JSON carries exactly,
// 0 ... 2^53-1. Arithmetic on them is checked and never wraps.
#pragma once

#include <cstdint>
#include <optional>

namespace tollstream {

inline constexpr uint64_t kMaxAmount = (uint64_t{1} << 53) - 1;

// nullopt when the exact result is above kMaxAmount.
constexpr std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  if (a > kMaxAmount || b > kMaxAmount - a) return std::nullopt;
  return a + b;
}

constexpr std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  if (a > kMaxAmount || b > kMaxAmount) return std::nullopt;
  if (a != 0 && b > kMaxAmount / a) return std::nullopt;
  return a * b;
}

// nullopt when b > a.
constexpr std::optional<uint64_t> CheckedSub(uint64_t a, uint64_t b) {
  if (b > a) return std::nullopt;
  return a - b;
}

}  // namespace tollstream
