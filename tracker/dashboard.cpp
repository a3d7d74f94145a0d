#include "tracker/dashboard.h"

#include <chrono>

#include "common/observe/log.h"
#include "common/protocol/address.h"

namespace tollstream {

Dashboard::Dashboard(TrackerService& service, StreamRegistry& registry, const AuditRunner& audits,
                     History& history)
    : m_service(service), m_registry(registry), m_audits(audits), m_history(history) {}

Dashboard::~Dashboard() {
  Stop();
}

Result<json> Dashboard::Summary() const {
  auto figures = m_service.ledger_store().Figures();
  if (!figures) return figures.error();
  return Summary(*figures);
}

Result<json> Dashboard::Summary(const LedgerFigures& figures) const {
  auto live = m_registry.List(m_service.Now(), 0);
  if (!live) return live.error();
  auto last = m_audits.last();
  const PublicKey& key = m_service.public_key();
  auto store = m_service.ledger_store().health();
  return json{
      {"tracker", {{"pubkey", key.ToHex()}, {"address", AddressOf(key)}, {"code", KeyCode(key)}}},
      {"ledger", figures.ToJson()},
      {"live",
       {{"streams", live->streams},
        {"broadcasters", live->broadcasters},
        {"announcements", live->announcements}}},
      {"audit", {{"running", m_audits.running()}, {"last", last ? last->ToJson() : json(nullptr)}}},
      {"store",
       {{"ok", store.ok},
        {"error", store.ok ? json(nullptr) : json(store.error)},
        {"failures", store.failures}}}};
}

Result<json> Dashboard::Streams(size_t limit) const {
  auto live = m_registry.List(m_service.Now(), limit);
  if (!live) return live.error();
  json list = json::array();
  for (const auto& a : live->first) list.push_back(a.ToJson());
  return json{{"streams", live->streams},
              {"broadcasters", live->broadcasters},
              {"announcements", live->announcements},
              {"list", std::move(list)}};
}

void Dashboard::Refresh() {
  auto figures = m_service.ledger_store().Figures();
  auto summary = figures ? Summary(*figures) : Result<json>(figures.error());
  if (!summary) {
    LogError("dashboard: " + summary.error().message);
    return;
  }
  uint64_t streams = (*summary)["live"]["streams"].get<uint64_t>();
  if (m_history.Sample(m_service.Now(), figures->totals, streams, figures->contracts_open())) {
    if (Status saved = m_history.Save(); !saved) LogWarn("history: " + saved.error().message);
  }
  auto live = Streams(kDefaultPageSize);
  if (!live) {
    LogError("dashboard: " + live.error().message);
    return;
  }
  json state = {{"summary", std::move(*summary)}, {"streams", std::move(*live)}};
  if (state == m_state) return;
  m_state = state;
  m_feed.SetState(std::move(state));
}

void Dashboard::Start() {
  Refresh();
  m_thread = std::thread([this] {
    std::unique_lock lock(m_mutex);
    while (!m_stop_cv.wait_for(lock, std::chrono::seconds(1), [&] { return m_stopping; })) {
      lock.unlock();
      Refresh();
      lock.lock();
    }
  });
}

void Dashboard::Stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_stop_cv.notify_all();
  if (m_thread.joinable()) {
    m_thread.join();
    if (Status saved = m_history.Save(); !saved) LogWarn("history: " + saved.error().message);
  }
  m_feed.Close();
}

}  // namespace tollstream
