#include "peer/broadcast/segment_source.h"

#include <algorithm>

#include "common/base/files.h"
#include "common/crypto/sha.h"

namespace tollstream {
namespace {

constexpr size_t kCachedSegments = 16;
// About nine hours of 2-second segments, a few hundred bytes each.
constexpr size_t kSignedSegments = 16384;
constexpr size_t kMaxWanted = 4;

// Whether the file of `stamp` had been left unchanged for `settle` by now.
bool Settled(const FileStamp& stamp, std::chrono::milliseconds settle) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return now.count() - std::max(stamp.mtime_ns, stamp.ctime_ns) >=
         std::chrono::nanoseconds(settle).count();
}

// The SHA-256 of `file`'s bytes, when they were all read and the file was
// still that version afterwards.
std::optional<Hash256> HashUnchanged(const OpenFile& file) {
  Sha256Hasher hasher;
  bool read = ReadFilePieces(file.fd(), 0, file.size(), [&hasher](const char* data, size_t n) {
    hasher.Update(std::string_view(data, n));
    return true;
  });
  if (!read || !file.Unchanged()) return std::nullopt;
  return hasher.Finish();
}

}  // namespace

SegmentSource::SegmentSource(std::filesystem::path playlist, std::string stream, KeyPair key,
                             std::chrono::milliseconds settle, std::string rendition)
    : m_playlist_path(std::move(playlist)),
      m_stream(std::move(stream)),
      m_rendition(std::move(rendition)),
      m_key(std::move(key)),
      m_settle(settle),
      m_prefetcher([this] { RunPrefetch(); }) {}

SegmentSource::~SegmentSource() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wanted_cv.notify_all();
  m_prefetcher.join();
}

void SegmentSource::RunPrefetch() {
  for (;;) {
    uint64_t seq = 0;
    {
      std::unique_lock lock(m_mutex);
      m_wanted_cv.wait(lock, [&] { return m_stopping || !m_wanted.empty(); });
      if (m_stopping) return;
      seq = m_wanted.front();
      m_wanted.pop_front();
    }
    (void)Get(seq);
  }
}

void SegmentSource::Prefetch(uint64_t seq) {
  std::lock_guard lock(m_mutex);
  PrefetchLocked(seq);
}

void SegmentSource::PrefetchLocked(uint64_t seq) {
  const auto& segs = m_playlist.segments;
  if (segs.empty() || seq < segs.front().seq || seq > segs.back().seq) return;
  if (m_cache.count(seq) != 0 || m_loading.count(seq) != 0) return;
  if (m_signed.count(seq) != 0) return;  // signed before: sent from its file, nothing to prepare
  if (std::find(m_wanted.begin(), m_wanted.end(), seq) != m_wanted.end()) return;
  if (m_wanted.size() >= kMaxWanted) m_wanted.pop_front();  // the newest wishes matter most
  m_wanted.push_back(seq);
  m_wanted_cv.notify_one();
}

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
  bool grew = parsed->segments.size() != m_playlist.segments.size();
  if (grew) m_grew = std::chrono::steady_clock::now();
  m_playlist = std::move(*parsed);
  m_loaded = true;
  m_mtime = mtime;
  m_size = size;
  if (grew && !m_playlist.segments.empty())
    PrefetchLocked(m_playlist.segments.back().seq);  // the live edge
  return Status::Ok();
}

SourceInfo SegmentSource::Info() {
  std::lock_guard lock(m_mutex);
  SourceInfo info;
  info.ended = m_playlist.ended;
  info.finished = m_playlist.ended;
  info.target_duration = m_playlist.target_duration;
  if (m_playlist.segments.empty()) return info;
  info.available = true;
  info.first = m_playlist.segments.front().seq;
  info.last = m_playlist.segments.back().seq;
  return info;
}

int64_t SegmentSource::MillisUntilNext(int64_t floor_ms) {
  std::lock_guard lock(m_mutex);
  int64_t target_ms = std::max<int64_t>(m_playlist.target_duration, 1) * 1000;
  auto due = m_grew + std::chrono::milliseconds(target_ms);
  int64_t left =
      std::chrono::duration_cast<std::chrono::milliseconds>(due - std::chrono::steady_clock::now())
          .count();
  return std::clamp<int64_t>(left, floor_ms, target_ms);
}

std::optional<SourceSegment> SegmentSource::Get(uint64_t seq) {
  HlsSegment entry;
  {
    std::unique_lock lock(m_mutex);
    // Another thread reading this segment: wait for it rather than read it twice.
    m_loaded_cv.wait(lock, [&] { return m_loading.count(seq) == 0; });
    auto cached = m_cache.find(seq);
    if (cached != m_cache.end()) return cached->second;
    const auto& segs = m_playlist.segments;
    if (segs.empty() || seq < segs.front().seq || seq > segs.back().seq) return std::nullopt;
    entry = segs[seq - segs.front().seq];
    m_loading.insert(seq);
  }
  auto segment = Load(seq, entry);
  std::lock_guard lock(m_mutex);
  m_loading.erase(seq);
  m_loaded_cv.notify_all();
  if (!segment) return std::nullopt;
  if (!segment->bytes) return segment;  // sent from its file: it costs an open to make again
  m_cache.emplace(seq, *segment);
  while (m_cache.size() > kCachedSegments) m_cache.erase(m_cache.begin());
  return segment;
}

namespace {

// Whether the origin says segment `seq` does not follow the one before it.
// A stream's first segment (0) follows nothing: encoders that mark it (nginx
// does) are not repeated.
bool FollowsNothing(uint64_t seq, const HlsSegment& entry) {
  return entry.discontinuity && seq != 0;
}

}  // namespace

std::optional<SourceSegment> SegmentSource::Load(uint64_t seq, const HlsSegment& entry) {
  if (entry.uri.find("://") != std::string::npos || entry.uri.find("..") != std::string::npos) {
    return std::nullopt;  // only files beside the playlist are served
  }
  auto path = m_playlist_path.parent_path() / entry.uri;
  // Signed before from a settled file that is still that version: it is
  // sent from the file, with no need to read it.
  std::optional<Signed> signed_before;
  {
    std::lock_guard lock(m_mutex);
    auto known = m_signed.find(seq);
    if (known != m_signed.end() && known->second.uri == entry.uri &&
        known->second.statement.duration_ms == entry.duration_ms) {
      signed_before = known->second;
    }
  }
  if (signed_before) {
    auto file = signed_before->file.lock();
    if (file && file->Unchanged()) return SourceSegment{signed_before->statement, nullptr, file};
  }
  // One open, whatever follows.
  auto opened = OpenFile::Open(path);
  if (!opened) return std::nullopt;
  if (signed_before && opened->stamp() == signed_before->stamp) {
    std::lock_guard lock(m_mutex);
    auto known = m_signed.find(seq);
    if (known != m_signed.end() && known->second.stamp == opened->stamp())
      known->second.file = opened;
    return SourceSegment{signed_before->statement, nullptr, std::move(opened)};
  }
  // Settled and seen for the first time: hashed as it is read, in pieces,
  // and sent from its file, with no copy of it in memory.
  if (Settled(opened->stamp(), m_settle)) {
    if (auto sha256 = HashUnchanged(*opened)) {
      SegmentStatement statement =
          SignSegmentHash(m_key, m_stream, seq, *sha256, opened->size(), entry.duration_ms,
                          FollowsNothing(seq, entry), m_rendition);
      Remember(seq, Signed{statement, opened->stamp(), entry.uri, opened});
      return SourceSegment{std::move(statement), nullptr, std::move(opened)};
    }
  }
  // Else it is read whole and signed. Changed while read, or lately, what
  // was read is not remembered and is sent from memory only.
  auto bytes = ReadWholeFile(*opened);
  if (!bytes) return std::nullopt;
  auto shared = std::make_shared<const std::string>(std::move(*bytes));
  std::shared_ptr<const OpenFile> file;
  if (opened->Unchanged() && Settled(opened->stamp(), m_settle)) file = std::move(opened);
  SegmentStatement statement = SignSegment(m_key, m_stream, seq, *shared, entry.duration_ms,
                                           FollowsNothing(seq, entry), m_rendition);
  if (file) Remember(seq, Signed{statement, file->stamp(), entry.uri, file});
  return SourceSegment{std::move(statement), std::move(shared), std::move(file)};
}

void SegmentSource::Remember(uint64_t seq, Signed made) {
  std::lock_guard lock(m_mutex);
  m_signed.insert_or_assign(seq, std::move(made));
  while (m_signed.size() > kSignedSegments) m_signed.erase(m_signed.begin());
}

Result<std::filesystem::path> FindPlaylist(const std::filesystem::path& dir,
                                           const std::string& name) {
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
  if (ec)
    return MakeError(ErrorCode::kInvalidField, "cannot read " + dir.string() + ": " + ec.message());
  if (!found) return dir / "index.m3u8";  // an encoder that has not started yet
  return *found;
}

}  // namespace tollstream
