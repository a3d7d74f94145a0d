// libFuzzer target: a contract as a broadcaster and the tracker receive it.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/protocol/contract.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = tollstream::ParseStrict(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!json) return 0;
  auto viewer_signed = tollstream::ParseContract(*json, tollstream::ContractSigs::kViewer);
  auto both = tollstream::ParseContract(*json, tollstream::ContractSigs::kBoth);
  if (viewer_signed) (void)viewer_signed->terms.Lock();
  if (both) (void)both->ToJson();
  return 0;
}
