// libFuzzer target: HLS playlists as a broadcaster reads its encoder's, and
// the round trip through the viewer's serializer.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/media/hls_playlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto playlist =
      tollstream::ParseHlsPlaylist(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!playlist) return 0;
  // What the viewer writes, it must read back the same.
  auto again = tollstream::ParseHlsPlaylist(playlist->Serialize());
  if (!again || again->segments.size() != playlist->segments.size() ||
      again->ended != playlist->ended) {
    std::abort();
  }
  for (size_t i = 0; i < again->segments.size(); ++i) {
    if (again->segments[i].discontinuity != playlist->segments[i].discontinuity) std::abort();
  }
  return 0;
}
