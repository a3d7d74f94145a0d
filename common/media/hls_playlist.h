// HLS media playlists (RFC 8216), the subset encoders write and players read:
//
//   #EXTM3U
//   #EXT-X-VERSION:3
//   #EXT-X-TARGETDURATION:<seconds>
//   #EXT-X-MEDIA-SEQUENCE:<number of the first segment>
//   [#EXT-X-PLAYLIST-TYPE:EVENT]  (written while the stream is not finished)
//   [#EXT-X-START:TIME-OFFSET=-<seconds>]  (written when set: where a player starts)
//   [#EXT-X-DISCONTINUITY]     (before a segment that does not follow the one before)
//   #EXTINF:<duration seconds, decimal>,[title]
//   <segment URI>
//   ...
//   #EXT-X-ENDLIST            (only once the stream is finished)
//
// Other tags are ignored when parsing. Durations are kept in milliseconds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

struct HlsSegment {
  // Media sequence number. Parsing numbers segments by position, as HLS
  // does (#EXT-X-MEDIA-SEQUENCE + index), whatever their URIs say.
  uint64_t seq = 0;
  int64_t duration_ms = 0;
  std::string uri;
  bool discontinuity = false;  // segments were skipped before this one
};

struct HlsPlaylist {
  int64_t target_duration = 0;  // seconds
  uint64_t media_sequence = 0;
  bool ended = false;  // #EXT-X-ENDLIST seen
  // Written only: a player opening the playlist starts this long before its
  // end (a live stream's edge); 0: at its start, as players do by default.
  int64_t start_before_end_ms = 0;
  std::vector<HlsSegment> segments;

  std::string Serialize() const;
};

// Errors: kInvalidField with the line number, for text that is not a media
// playlist (no #EXTM3U, a master playlist, bad numbers, a URI without #EXTINF).
Result<HlsPlaylist> ParseHlsPlaylist(std::string_view text);

}  // namespace tollstream
