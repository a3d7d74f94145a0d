#include "peer/watch/local_hls.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace tollstream {

LocalHls::LocalHls(std::filesystem::path dir, std::string stream)
    : m_dir(std::move(dir)), m_stream(std::move(stream)) {}

Status LocalHls::Add(uint64_t seq, const std::string& bytes, int64_t duration_ms,
                     bool discontinuity) {
  std::string name = std::to_string(seq) + ".ts";
  std::filesystem::path tmp = m_dir / (name + ".part");
  std::error_code ec;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();  // a full disk may show only here
    if (!out) {
      int err = errno;
      std::filesystem::remove(tmp, ec);
      return MakeError(ErrorCode::kUnavailable,
                       "cannot write " + tmp.string() + ": " + std::strerror(err));
    }
  }
  std::filesystem::rename(tmp, m_dir / name, ec);
  if (ec) return MakeError(ErrorCode::kUnavailable, "cannot write " + name + ": " + ec.message());
  std::lock_guard lock(m_mutex);
  if (m_playlist.segments.empty()) m_playlist.media_sequence = seq;
  m_longest_ms = std::max(m_longest_ms, duration_ms);
  bool jump = !m_playlist.segments.empty() && seq != m_playlist.segments.back().seq + 1;
  // The first segment bought needs no mark: nothing came before it here.
  bool mark = !m_playlist.segments.empty() && (jump || discontinuity);
  m_playlist.segments.push_back(HlsSegment{seq, duration_ms, m_stream + "/" + name, mark});
  return Status::Ok();
}

void LocalHls::End() {
  std::lock_guard lock(m_mutex);
  m_playlist.ended = true;
}

void LocalHls::Reopen() {
  std::lock_guard lock(m_mutex);
  m_playlist.ended = false;
}

std::string LocalHls::stream() {
  std::lock_guard lock(m_mutex);
  return m_stream;
}

void LocalHls::SetStream(std::string stream) {
  std::lock_guard lock(m_mutex);
  m_stream = std::move(stream);
}

std::string LocalHls::Playlist() {
  std::lock_guard lock(m_mutex);
  m_playlist.start_before_end_ms = m_playlist.ended ? 0 : 3 * m_longest_ms;
  return m_playlist.Serialize();
}

std::optional<uint64_t> LocalHls::last_seq() {
  std::lock_guard lock(m_mutex);
  if (m_playlist.segments.empty()) return std::nullopt;
  return m_playlist.segments.back().seq;
}

std::optional<std::filesystem::path> LocalHls::SegmentPath(uint64_t seq) {
  std::lock_guard lock(m_mutex);
  for (const auto& s : m_playlist.segments) {
    if (s.seq == seq) return m_dir / (std::to_string(seq) + ".ts");
  }
  return std::nullopt;
}

size_t LocalHls::size() {
  std::lock_guard lock(m_mutex);
  return m_playlist.segments.size();
}

}  // namespace tollstream
