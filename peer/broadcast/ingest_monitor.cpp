#include "peer/broadcast/ingest_monitor.h"

#include "common/base/files.h"
#include "common/media/hls_playlist.h"
#include "common/media/ts_keyframes.h"

namespace tollstream {
namespace {

constexpr size_t kWindow = 5;
constexpr int64_t kTicksPerMs = 90;
constexpr int64_t kLongestIntervalMs = 60'000;  // longer: a clock jump, not an interval
constexpr std::chrono::seconds kRewriteGrace{2};

}  // namespace

void IngestMonitor::Update() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(m_playlist, ec);
  if (ec || mtime == m_mtime) return;
  auto text = ReadWholeFile(m_playlist);
  if (!text) return;
  auto playlist = ParseHlsPlaylist(*text);
  if (!playlist) {  // half written, perhaps: read again next time
    auto now = std::chrono::steady_clock::now();
    if (!m_failing_since) m_failing_since = now;
    if (now - *m_failing_since >= kRewriteGrace) m_error = playlist.error().message;
    return;
  }
  m_failing_since.reset();
  m_error.clear();
  m_mtime = mtime;
  m_ended = playlist->ended;
  m_target_seconds = playlist->target_duration;
  // At first only the newest few: a long playlist is not read whole.
  if (!m_next_seq && playlist->segments.size() > kWindow)
    m_next_seq = playlist->segments[playlist->segments.size() - kWindow].seq;
  for (const HlsSegment& segment : playlist->segments) {
    if (m_next_seq && segment.seq < *m_next_seq) continue;
    m_next_seq = segment.seq + 1;
    if (segment.discontinuity) m_last_keyframe.reset();
    auto bytes = ReadWholeFile(m_playlist.parent_path() / segment.uri);
    if (!bytes) {
      m_last_keyframe.reset();  // what was in it is not known
      continue;
    }
    m_recent.push_back({bytes->size(), segment.duration_ms});
    if (m_recent.size() > kWindow) m_recent.pop_front();
    for (int64_t pts : ScanTsKeyframes(*bytes).keyframe_pts) {
      if (m_last_keyframe) {
        int64_t ms = (pts - *m_last_keyframe) / kTicksPerMs;
        if (ms > 0 && ms <= kLongestIntervalMs) m_interval_ms = ms;
      }
      m_last_keyframe = pts;
    }
  }
}

std::optional<int64_t> IngestMonitor::bitrate_kbps() const {
  uint64_t bytes = 0;
  int64_t ms = 0;
  for (const Seen& s : m_recent) {
    bytes += s.bytes;
    ms += s.duration_ms;
  }
  if (ms <= 0) return std::nullopt;
  return static_cast<int64_t>(bytes * 8 / static_cast<uint64_t>(ms));  // bits per ms = kb/s
}

}  // namespace tollstream
