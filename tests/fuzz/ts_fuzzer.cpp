// libFuzzer target: MPEG-TS segments as the broadcasting node scans what a
// streamer sends for its keyframes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/media/ts_keyframes.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto k = tollstream::ScanTsKeyframes(std::string_view(reinterpret_cast<const char*>(data), size));
  // At most one keyframe per packet, and none without a video stream's PTS.
  if (k.keyframe_pts.size() > size / 188) std::abort();
  if (!k.keyframe_pts.empty() && (!k.video || !k.first_pts || !k.last_pts)) std::abort();
  if (k.first_pts.has_value() != k.last_pts.has_value()) std::abort();
  return 0;
}
