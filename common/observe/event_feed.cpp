#include "common/observe/event_feed.h"

namespace tollstream {

void EventFeed::SetState(json state) {
  {
    std::lock_guard lock(m_mutex);
    m_state = FeedEvent{m_next++, "state", std::move(state)};
  }
  m_cv.notify_all();
}

void EventFeed::Publish(std::string name, json data) {
  {
    std::lock_guard lock(m_mutex);
    m_events.push_back(FeedEvent{m_next++, std::move(name), std::move(data)});
    while (m_events.size() > m_keep) m_events.pop_front();
  }
  m_cv.notify_all();
}

void EventFeed::Close() {
  {
    std::lock_guard lock(m_mutex);
    m_closed = true;
  }
  m_cv.notify_all();
}

bool EventFeed::closed() const {
  std::lock_guard lock(m_mutex);
  return m_closed;
}

std::optional<json> EventFeed::state() const {
  std::lock_guard lock(m_mutex);
  if (!m_state) return std::nullopt;
  return m_state->data;
}

std::vector<FeedEvent> EventFeed::Wait(uint64_t after, std::chrono::milliseconds timeout) {
  std::unique_lock lock(m_mutex);
  if (after >= m_next) after = 0;  // a cursor from another run of the program
  m_cv.wait_for(lock, timeout, [&] { return m_closed || m_next - 1 > after; });
  std::vector<FeedEvent> out;
  if (m_closed) return out;
  // In sequence order, the state among the events, so that a reader's
  // cursor (the last seq it got) only moves forward.
  bool state_due = m_state && m_state->seq > after;
  for (const auto& e : m_events) {
    if (state_due && m_state->seq < e.seq) {
      out.push_back(*m_state);
      state_due = false;
    }
    if (e.seq > after) out.push_back(e);
  }
  if (state_due) out.push_back(*m_state);
  return out;
}

}  // namespace tollstream
