// libFuzzer target: the signed segment statement a viewer receives in a header.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/protocol/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto statement = tollstream::ParseSegmentStatement(text);
  if (statement) (void)tollstream::CheckSegmentBytes(*statement, text);
  return 0;
}
