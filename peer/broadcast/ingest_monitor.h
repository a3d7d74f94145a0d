// What arrives from the streamer, as the status page shows it: the bitrate
// and the keyframe interval of the newest segments of the playlist the
// node sells from (their files read once each, MPEG-TS scanned for
// keyframes: common/media/ts_keyframes.h).
//
// The keyframe interval is what a streamer most often sets wrong: segments
// are cut at keyframes, so keyframes further apart than the segment
// duration make every segment that long. Not thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>

namespace tollstream {

class IngestMonitor {
 public:
  explicit IngestMonitor(std::filesystem::path playlist) : m_playlist(std::move(playlist)) {}

  // Reads the segments listed since the last call (none when the playlist
  // did not change). A segment that cannot be read is skipped.
  void Update();
  // Why the playlist does not parse, once it has not for 2 s (an encoder
  // rewriting it is given that long); "" while it parses.
  const std::string& playlist_error() const { return m_error; }
  // Over the newest (up to) 5 segments; nullopt before the first.
  std::optional<int64_t> bitrate_kbps() const;
  // Between the two latest keyframes of one session (a discontinuity, or a
  // segment that could not be read, starts another); nullopt before two
  // were seen.
  std::optional<int64_t> keyframe_interval_ms() const { return m_interval_ms; }
  // The playlist was finished (#EXT-X-ENDLIST) when last read.
  bool ended() const { return m_ended; }
  // Its #EXT-X-TARGETDURATION when last read (0 before).
  int64_t target_seconds() const { return m_target_seconds; }

 private:
  struct Seen {
    uint64_t bytes = 0;
    int64_t duration_ms = 0;
  };
  std::filesystem::path m_playlist;
  std::filesystem::file_time_type m_mtime{};
  std::optional<uint64_t> m_next_seq;  // the first segment not yet read
  std::deque<Seen> m_recent;
  std::optional<int64_t> m_last_keyframe;  // its PTS, 90 kHz
  std::optional<int64_t> m_interval_ms;
  bool m_ended = false;
  int64_t m_target_seconds = 0;
  std::optional<std::chrono::steady_clock::time_point> m_failing_since;
  std::string m_error;
};

}  // namespace tollstream
