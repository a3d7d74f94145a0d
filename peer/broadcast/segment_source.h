// The segments a broadcaster sells: those listed in an HLS media playlist that
// an encoder writes into a directory, followed as the playlist grows.
//
// A segment is offered only once the playlist lists it (encoders list a
// segment after writing it whole). Signed statements and bytes of recent
// segments are cached, so serving many viewers reads and signs each once.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/crypto/keys.h"
#include "common/hls_playlist.h"
#include "common/result.h"
#include "common/segment.h"

namespace tollstream {

struct SourceSegment {
  SegmentStatement statement;
  std::shared_ptr<const std::string> bytes;
};

struct SourceInfo {
  bool available = false;  // the playlist exists and lists at least one segment
  uint64_t first = 0;
  uint64_t last = 0;
  bool ended = false;
  int64_t target_duration = 0;
};

class SegmentSource {
 public:
  // `playlist` is the path of the .m3u8 file; segment URIs are relative to its directory.
  SegmentSource(std::filesystem::path playlist, std::string stream, KeyPair key);

  // Re-reads the playlist if it changed on disk.
  Status Refresh();
  SourceInfo Info();
  // Segment `seq` with its signed statement; nullopt when the playlist does
  // not (yet, or any longer) list it or its file cannot be read.
  std::optional<SourceSegment> Get(uint64_t seq);

 private:
  std::filesystem::path m_playlist_path;
  std::string m_stream;
  KeyPair m_key;
  std::mutex m_mutex;
  HlsPlaylist m_playlist;
  bool m_loaded = false;
  std::filesystem::file_time_type m_mtime{};
  uintmax_t m_size = 0;
  std::map<uint64_t, SourceSegment> m_cache;  // the most recent segments
};

// The single .m3u8 file in `dir`, or `dir/name` when a name is given.
Result<std::filesystem::path> FindPlaylist(const std::filesystem::path& dir, const std::string& name);

}  // namespace tollstream
