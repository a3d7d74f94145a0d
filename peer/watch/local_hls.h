// The viewer's local copy of what it bought, as an HLS stream any player can
// read: a media playlist of the segments received so far, in order, ended
// (#EXT-X-ENDLIST) once nothing more will come. Segment files live in a
// directory of their own.
//
// While the stream goes on, the playlist holds every segment bought (an
// EVENT playlist) and tells players to start three segments' time before
// its end (#EXT-X-START), as near the live edge as players start a live
// stream by themselves: a player opened late starts there on purpose. To
// watch from the first segment bought, a player is told to start at the
// playlist's start (ffmpeg: -live_start_index 0).
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

  // The stream's name: its playlist is "<stream>.m3u8".
  std::string stream();
  // Names the stream, when the node was started without one. Precondition:
  // no segment added yet.
  void SetStream(std::string stream);
  // Adds the next segment. Precondition: seq is above the last added. A
  // jump, or a segment its origin says does not follow (`discontinuity`), is
  // marked as a discontinuity for players.
  Status Add(uint64_t seq, const std::string& bytes, int64_t duration_ms,
             bool discontinuity = false);
  void End();
  // Goes on after End(): buying again after it stopped short.
  void Reopen();

  // The playlist as served, segment URIs relative to it: "<stream>/<seq>.ts".
  std::string Playlist();
  // The path of segment `seq`, if it was received.
  std::optional<std::filesystem::path> SegmentPath(uint64_t seq);
  size_t size();
  // The last segment added, if any.
  std::optional<uint64_t> last_seq();

 private:
  std::filesystem::path m_dir;
  std::string m_stream;
  std::mutex m_mutex;
  HlsPlaylist m_playlist;
  int64_t m_longest_ms = 0;  // the longest segment added
};

}  // namespace tollstream
