// The broadcaster's contracts closed at the tracker: one when its sale ends,
// every quiet one, all at shutdown, and those a previous run left on disk.
#include <set>
#include <thread>

#include "common/base/clock.h"
#include "common/client/tracker_api.h"
#include "common/observe/log.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/broadcaster_session.h"

namespace tollstream {

Result<std::optional<Response>> Broadcaster::CloseAtTracker(const std::string& id,
                                                            const json& receipt) {
  auto answer =
      WithTracker([&](TrackerClient& c) { return TrackerApi(c).CloseContract(id, receipt); });
  if (answer) return std::optional<Response>(std::move(*answer));
  ErrorCode code = answer.error().code;
  if (code == ErrorCode::kConflict || code == ErrorCode::kNotFound) {
    return std::optional<Response>();  // closed before
  }
  return answer.error();
}

std::vector<std::shared_ptr<Broadcaster::Session>> Broadcaster::Sessions() {
  std::vector<std::shared_ptr<Session>> sessions;
  std::lock_guard lock(m_mutex);
  for (auto& [id, s] : m_sessions) sessions.push_back(s);
  return sessions;
}

json Broadcaster::Settle(Session& s, const std::string& reason) {
  s.sale.Close();
  const Receipt& paid = s.sale.paid();
  auto answer = CloseAtTracker(s.id, s.sale.paid_signed() ? paid.ToJson() : json(nullptr));
  if (!answer) {
    LogWarn("contract " + s.id + ": close failed (" + answer.error().message +
            "); kept on disk to retry");
    return nullptr;
  }
  s.settled = true;
  (void)m_store.Remove(s.id);
  const std::optional<Response>& closed = *answer;
  uint64_t earned = closed ? closed->result.value("paid", uint64_t{0}) : 0;
  {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(s.id);
    m_totals.segments_paid += closed ? paid.segments : 0;
    m_totals.earned += earned;
    m_status_cache.erase(s.id);
  }
  m_closed.Add();
  m_earned.Add(earned);
  Event("contract " + s.id + " closed: paid " + std::to_string(earned) + " for " +
        std::to_string(paid.segments) + " segments (" + reason + ")");
  return closed ? closed->signed_body : json(nullptr);
}

size_t Broadcaster::CloseStored() {
  auto stored = m_store.LoadAll();
  if (!stored) {
    LogError("cannot read stored contracts: " + stored.error().message);
    return 0;
  }
  size_t settled = CloseUnrecorded(*stored);
  for (const auto& c : *stored) {
    auto answer = CloseAtTracker(c.id, c.receipt);
    if (!answer) {
      LogWarn("stored contract " + c.id + ": close failed: " + answer.error().message);
      continue;
    }
    (void)m_store.Remove(c.id);
    ++settled;
    uint64_t paid = *answer ? (*answer)->result.value("paid", uint64_t{0}) : 0;
    Event("contract " + c.id + " closed from the stored receipt: paid " + std::to_string(paid));
  }
  return settled;
}

size_t Broadcaster::CloseUnrecorded(const std::vector<StoredContract>& stored) {
  auto open = WithTracker(
      [&](TrackerClient& c) { return TrackerApi(c).OpenContracts(m_config.income_address); });
  if (!open) {
    LogWarn("cannot list this node's open contracts at the tracker: " + open.error().message);
    return 0;
  }
  std::set<std::string> recorded;
  for (const auto& c : stored) recorded.insert(c.id);
  size_t closed = 0;
  for (const OpenContractEntry& c : *open) {
    if (c.stream != m_config.stream || recorded.count(c.id) > 0) continue;
    auto answer = CloseAtTracker(c.id, nullptr);
    if (!answer) {
      LogWarn("unrecorded contract " + c.id + ": close failed: " + answer.error().message);
      continue;
    }
    ++closed;
    Event("contract " + c.id +
          " was open at the tracker with no record here (a lost state directory?): closed "
          "without a receipt");
  }
  return closed;
}

size_t Broadcaster::CloseQuiet() {
  size_t closed = 0;
  int64_t now = SteadyMillis();
  for (auto& s : Sessions()) {
    std::lock_guard lock(s->mutex);
    // Listed above, then settled by a request's thread while this one waited
    // for the lock: settled once, it is neither retried nor counted again.
    if (s->settled) continue;
    if (s->sale.closed()) {
      Settle(*s, "retrying the close");  // an earlier close did not reach the tracker
    } else if (now - s->last_heard >= m_config.receipt_timeout_seconds * 1000) {
      // Nothing heard for the whole timeout, to the millisecond.
      Settle(*s, s->sale.QuietReason());
      ++closed;
    }
  }
  return closed;
}

void Broadcaster::BeginStop() {
  std::lock_guard lock(m_mutex);
  m_stopping = true;
}

size_t Broadcaster::Drain(std::chrono::milliseconds grace) {
  BeginStop();
  auto deadline = std::chrono::steady_clock::now() + grace;
  for (;;) {
    size_t owing = 0, opening = 0;
    for (auto& s : Sessions()) {
      std::lock_guard lock(s->mutex);
      if (!s->sale.closed() && s->sale.pending()) ++owing;
    }
    {
      std::lock_guard lock(m_mutex);
      opening = m_opening.size();  // offers let in before the stop: their sessions come
    }
    if ((owing == 0 && opening == 0) || std::chrono::steady_clock::now() >= deadline) {
      return owing;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void Broadcaster::CloseAll(const std::string& reason) {
  for (auto& s : Sessions()) {
    std::lock_guard lock(s->mutex);
    if (!s->sale.closed()) Settle(*s, reason);
  }
}

Broadcaster::Totals Broadcaster::totals() {
  std::lock_guard lock(m_mutex);
  Totals t = m_totals;
  t.open = m_sessions.size();
  return t;
}

}  // namespace tollstream
