// The operator's view of a running tracker: what the dashboard page and its
// JSON API show (the ledger's committed totals, the live streams, the last
// audit), and the live "state" its event stream carries:
//   {"summary": Summary(), "streams": Streams(kDefaultPageSize)}.
// A background thread rebuilds the state about once a second and sets it in
// the feed only when it changed, so an idle tracker sends nothing; each time
// it also feeds the history (tracker/history.h), and saves it once a step
// and at Stop.
//
// Thread-safe.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/base/result.h"
#include "common/observe/event_feed.h"
#include "common/wire/json.h"
#include "tracker/audit_runner.h"
#include "tracker/history.h"
#include "tracker/ledger_pages.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_service.h"

namespace tollstream {

class Dashboard {
 public:
  Dashboard(TrackerService& service, StreamRegistry& registry, const AuditRunner& audits,
            History& history);
  ~Dashboard();  // Stop()
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // The tracker's key, the ledger's figures, the live counts, the audit
  // state and the store's (whether it takes writes). Errors: those of
  // LedgerStore::Figures and StreamRegistry::List.
  Result<json> Summary() const;
  // The live counts and the first `limit` announcements (by stream, then
  // key). Errors: those of StreamRegistry::List.
  Result<json> Streams(size_t limit) const;
  // History::ToJson.
  json HistoryJson() const { return m_history.ToJson(); }
  LedgerStore& ledger_store() const { return m_service.ledger_store(); }

  EventFeed& feed() { return m_feed; }
  // Sets the first state, then starts the thread that keeps it current.
  void Start();
  // Ends the thread and closes the feed (every event stream ends). Prompt.
  void Stop();

 private:
  void Refresh();
  Result<json> Summary(const LedgerFigures& figures) const;

  TrackerService& m_service;
  StreamRegistry& m_registry;
  const AuditRunner& m_audits;
  History& m_history;
  EventFeed m_feed;
  json m_state;  // the last one set; the watcher thread's own
  std::mutex m_mutex;
  std::condition_variable m_stop_cv;
  bool m_stopping = false;
  std::thread m_thread;
};

}  // namespace tollstream
