// The viewer's local copy of what it bought, as an HLS stream any player can
// read: a media playlist of the segments received so far, in order, ended
// (#EXT-X-ENDLIST) once nothing more will come. Segment files live in a
// directory of their own.
//
// Thread-safe: the buying loop adds while the HTTP server reads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/media/hls_playlist.h"

namespace tollstream {

class LocalHls {
 public:
  LocalHls(std::filesystem::path dir, std::string stream);

  const std::string& stream() const { return m_stream; }
  // Adds the next segment. Precondition: seq is above the last added (a jump
  // is marked as a discontinuity for players).
  Status Add(uint64_t seq, const std::string& bytes, int64_t duration_ms);
  void End();

  // The playlist as served, segment URIs relative to it: "<stream>/<seq>.ts".
  std::string Playlist();
  // The path of segment `seq`, if it was received.
  std::optional<std::filesystem::path> SegmentPath(uint64_t seq);
  size_t size();

 private:
  std::filesystem::path m_dir;
  std::string m_stream;
  std::mutex m_mutex;
  HlsPlaylist m_playlist;
};

}  // namespace tollstream
