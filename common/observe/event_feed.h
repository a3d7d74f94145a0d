// A feed of named JSON events for live pages (server-sent events).
//
// The feed keeps the latest "state" (a snapshot a newcomer needs first) and
// the last `keep` other events (log lines, alerts), each with a sequence
// number. Readers wait for events after the last one they saw. Close() ends
// every reader (at shutdown).
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/wire/json.h"

namespace tollstream {

struct FeedEvent {
  uint64_t seq = 0;
  std::string name;  // "state", "log", "alert", ...
  json data;
};

class EventFeed {
 public:
  explicit EventFeed(size_t keep = 64) : m_keep(keep) {}

  // Replaces the state; readers get it as a "state" event.
  void SetState(json state);
  // Appends an event of another kind.
  void Publish(std::string name, json data);
  void Close();

  // What a reader that has seen up to `after` gets next: the state if it
  // changed since and the kept events after `after`, in sequence order. Waits up
  // to `timeout` when there is nothing yet; an empty answer means nothing
  // came (or the feed is closed). `after` = 0: a newcomer.
  std::vector<FeedEvent> Wait(uint64_t after, std::chrono::milliseconds timeout);
  bool closed() const;
  std::optional<json> state() const;

 private:
  size_t m_keep;
  mutable std::mutex m_mutex;
  std::condition_variable m_cv;
  uint64_t m_next = 1;
  bool m_closed = false;
  std::optional<FeedEvent> m_state;
  std::deque<FeedEvent> m_events;
};

}  // namespace tollstream
