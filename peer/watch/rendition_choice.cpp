#include "peer/watch/rendition_choice.h"

namespace tollstream {
namespace {

constexpr int kFastSegmentsToGoUp = 3;
// The bits a second of rendition `r` takes: its video and the audio beside it.
constexpr uint64_t kAudioBitrate = 128'000;

uint64_t Needs(const RenditionSpec& r) {
  return r.bitrate + kAudioBitrate;
}

}  // namespace

RenditionChoice::RenditionChoice(std::vector<RenditionSpec> renditions, const std::string& pinned)
    : m_renditions(std::move(renditions)) {
  for (size_t i = 0; i < m_renditions.size(); ++i) {
    if (!pinned.empty() && m_renditions[i].name == pinned) {
      m_current = i;
      m_pinned = true;
    }
  }
}

bool RenditionChoice::Pin(const std::string& name) {
  if (name.empty()) {
    m_pinned = false;
    m_fast_in_a_row = 0;
    return true;
  }
  for (size_t i = 0; i < m_renditions.size(); ++i) {
    if (m_renditions[i].name == name) {
      m_current = i;
      m_pinned = true;
      return true;
    }
  }
  return false;
}

bool RenditionChoice::Arrived(size_t index, uint64_t bytes, int64_t duration_ms,
                              std::chrono::microseconds took) {
  if (index >= m_renditions.size() || duration_ms <= 0) return false;
  int64_t took_us = std::max<int64_t>(took.count(), 1);
  m_throughput = static_cast<uint64_t>(static_cast<unsigned __int128>(bytes) * 8 * 1'000'000 /
                                       static_cast<uint64_t>(took_us));
  if (m_pinned) return false;
  size_t before = m_current;
  if (took_us * 10 > duration_ms * 1000 * 8) {
    // Too slow for real time: down at once, as far as this throughput needs.
    m_fast_in_a_row = 0;
    size_t down = m_renditions.size() - 1;
    for (size_t i = index + 1; i < m_renditions.size(); ++i) {
      if (Needs(m_renditions[i]) * 6 <= m_throughput * 5) {
        down = i;
        break;
      }
    }
    m_current = std::max(m_current, down);
    return m_current != before;
  }
  if (index != m_current || m_current == 0) {
    m_fast_in_a_row = 0;
    return false;
  }
  // Fast enough for the next one up, with half to spare?
  bool fast = Needs(m_renditions[m_current - 1]) * 3 <= m_throughput * 2;
  m_fast_in_a_row = fast ? m_fast_in_a_row + 1 : 0;
  if (m_fast_in_a_row >= kFastSegmentsToGoUp) {
    m_fast_in_a_row = 0;
    m_current -= 1;
  }
  return m_current != before;
}

}  // namespace tollstream
