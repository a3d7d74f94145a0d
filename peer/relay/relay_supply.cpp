#include "peer/relay/relay_supply.h"

#include <algorithm>

namespace tollstream {

PublicKey RelaySupply::origin() const {
  std::lock_guard lock(m_mutex);
  return m_origin.value_or(PublicKey{});
}

void RelaySupply::Add(SegmentStatement statement, std::string bytes) {
  std::lock_guard lock(m_mutex);
  if (!m_origin) m_origin = statement.broadcaster;
  m_target_ms = std::max(m_target_ms, statement.duration_ms);
  uint64_t seq = statement.seq;
  m_segments[seq] = SourceSegment{std::move(statement),
                                  std::make_shared<const std::string>(std::move(bytes)), nullptr};
  while (m_segments.size() > m_keep) m_segments.erase(m_segments.begin());
  m_added = std::chrono::steady_clock::now();
}

void RelaySupply::End() {
  std::lock_guard lock(m_mutex);
  m_ended = true;
}

void RelaySupply::SetFinished() {
  std::lock_guard lock(m_mutex);
  m_finished = true;
}

SourceInfo RelaySupply::Info() {
  std::lock_guard lock(m_mutex);
  SourceInfo info;
  info.available = !m_segments.empty();
  if (info.available) {
    info.first = m_segments.begin()->first;
    info.last = m_segments.rbegin()->first;
  }
  info.ended = m_ended;
  info.finished = m_finished || m_ended;
  info.target_duration = std::max<int64_t>(1, (m_target_ms + 999) / 1000);
  return info;
}

int64_t RelaySupply::MillisUntilNext(int64_t floor_ms) {
  std::lock_guard lock(m_mutex);
  auto since = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - m_added);
  return std::max(floor_ms, m_target_ms - since.count());
}

std::optional<SourceSegment> RelaySupply::Get(uint64_t seq) {
  std::lock_guard lock(m_mutex);
  auto it = m_segments.find(seq);
  if (it == m_segments.end()) return std::nullopt;
  return it->second;
}

}  // namespace tollstream
