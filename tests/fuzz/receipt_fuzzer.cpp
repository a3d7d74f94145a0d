// libFuzzer target: a viewer's receipt as a broadcaster and the tracker receive it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/protocol/receipt.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = tollstream::ParseStrict(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto receipt = tollstream::ParseReceipt(*json);
  if (receipt) (void)receipt->ToJson();
  return 0;
}
