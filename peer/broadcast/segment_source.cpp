#include "peer/broadcast/segment_source.h"

#include "common/files.h"

namespace tollstream {
namespace {

constexpr size_t kCachedSegments = 16;

}  // namespace

SegmentSource::SegmentSource(std::filesystem::path playlist, std::string stream, KeyPair key)
    : m_playlist_path(std::move(playlist)), m_stream(std::move(stream)), m_key(std::move(key)) {}

Status SegmentSource::Refresh() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(m_playlist_path, ec);
  if (ec) return Status::Ok();  // not written yet
  auto size = std::filesystem::file_size(m_playlist_path, ec);
  if (ec) return Status::Ok();
  {
    std::lock_guard lock(m_mutex);
    if (m_loaded && mtime == m_mtime && size == m_size) return Status::Ok();
  }
  auto text = ReadWholeFile(m_playlist_path);
  if (!text) return Status::Ok();
  auto parsed = ParseHlsPlaylist(*text);
  if (!parsed) {
    // An encoder may be rewriting it; a complete version comes next.
    return Status::Ok();
  }
  std::lock_guard lock(m_mutex);
  m_playlist = std::move(*parsed);
  m_loaded = true;
  m_mtime = mtime;
  m_size = size;
  return Status::Ok();
}

SourceInfo SegmentSource::Info() {
  std::lock_guard lock(m_mutex);
  SourceInfo info;
  info.ended = m_playlist.ended;
  info.target_duration = m_playlist.target_duration;
  if (m_playlist.segments.empty()) return info;
  info.available = true;
  info.first = m_playlist.segments.front().seq;
  info.last = m_playlist.segments.back().seq;
  return info;
}

std::optional<SourceSegment> SegmentSource::Get(uint64_t seq) {
  HlsSegment entry;
  {
    std::lock_guard lock(m_mutex);
    auto cached = m_cache.find(seq);
    if (cached != m_cache.end()) return cached->second;
    const auto& segs = m_playlist.segments;
    if (segs.empty() || seq < segs.front().seq || seq > segs.back().seq) return std::nullopt;
    entry = segs[seq - segs.front().seq];
  }
  if (entry.uri.find("://") != std::string::npos || entry.uri.find("..") != std::string::npos) {
    return std::nullopt;  // only files beside the playlist are served
  }
  auto bytes = ReadWholeFile(m_playlist_path.parent_path() / entry.uri);
  if (!bytes) return std::nullopt;
  SourceSegment segment{SignSegment(m_key, m_stream, seq, *bytes, entry.duration_ms),
                        std::make_shared<const std::string>(std::move(*bytes))};
  std::lock_guard lock(m_mutex);
  m_cache.emplace(seq, segment);
  while (m_cache.size() > kCachedSegments) m_cache.erase(m_cache.begin());
  return segment;
}

Result<std::filesystem::path> FindPlaylist(const std::filesystem::path& dir, const std::string& name) {
  if (!name.empty()) return dir / name;
  std::error_code ec;
  std::optional<std::filesystem::path> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".m3u8") continue;
    if (found) {
      return MakeError(ErrorCode::kInvalidField,
                       dir.string() + " holds several playlists; name one with --playlist");
    }
    found = entry.path();
  }
  if (ec) return MakeError(ErrorCode::kInvalidField, "cannot read " + dir.string() + ": " + ec.message());
  if (!found) return dir / "index.m3u8";  // an encoder that has not started yet
  return *found;
}

}  // namespace tollstream
