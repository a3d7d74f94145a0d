#include "common/base/amount.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("checked arithmetic stays within 0 .. 2^53-1") {
  CHECK(kMaxAmount == 9007199254740991ull);
  CHECK(CheckedAdd(1, 2) == 3u);
  CHECK(CheckedAdd(kMaxAmount, 0) == kMaxAmount);
  CHECK_FALSE(CheckedAdd(kMaxAmount, 1).has_value());
  CHECK_FALSE(CheckedAdd(kMaxAmount + 1, 0).has_value());
  CHECK_FALSE(CheckedAdd(UINT64_MAX, UINT64_MAX).has_value());
  CHECK(CheckedMul(0, kMaxAmount) == 0u);
  CHECK(CheckedMul(3, 7) == 21u);
  CHECK(CheckedMul(kMaxAmount, 1) == kMaxAmount);
  CHECK_FALSE(CheckedMul(kMaxAmount, 2).has_value());
  CHECK_FALSE(CheckedMul(uint64_t{1} << 27, uint64_t{1} << 27).has_value());
  CHECK(CheckedMul(uint64_t{1} << 26, uint64_t{1} << 26) == uint64_t{1} << 52);
  CHECK(CheckedSub(5, 5) == 0u);
  CHECK_FALSE(CheckedSub(4, 5).has_value());
}

}  // namespace tollstream
