#include "tracker/tracker_node.h"

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "common/cli/key_file.h"
#include "common/cli/signal_watcher.h"
#include "common/http/health.h"
#include "common/http/http_server.h"
#include "common/observe/log.h"
#include "common/protocol/address.h"
#include "common/rpc/http_endpoint.h"
#include "common/store/kv_store.h"
#include "tracker/audit_runner.h"
#include "tracker/dashboard.h"
#include "tracker/http/dashboard_routes.h"
#include "tracker/methods/methods.h"
#include "tracker/pg/pg_ledger_store.h"
#include "tracker/pg/pg_stream_registry.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_data.h"
#include "tracker/tracker_metrics.h"

namespace tollstream {
namespace {

// Why `tracker run` refuses the ledger in `dir` that failed its audit at start.
std::string NotServed(const Status& audited, const std::string& dir) {
  return audited.error().message + " (in " + dir + "; `tracker audit --data-dir " + dir +
         "` shows the whole report)";
}

// After an error opening a store: who may hold it, when another process does.
std::string InUseHint(const Error& e, const std::string& dir) {
  bool in_use = e.message.find("in use by another process") != std::string::npos;
  return in_use ? "; is another tracker running on " + dir + "?" : "";
}

Result<TrackerData> OpenDataDir(const std::string& dir, const std::string& store) {
  if (!store.empty()) return OpenPgTrackerData(dir, store);
  KvStore::Options store_options;
  // Every contract cycle rewrites the same few records (the two addresses,
  // supply, totals): a larger memtable drops more superseded versions before
  // they reach a table file, and flushes and compacts less often. It costs
  // up to twice this much memory, and a longer log replay at start.
  store_options.write_buffer_bytes = 32 << 20;
  auto data = OpenTrackerData(dir, store_options);
  if (!data)
    return MakeError(data.error().code, data.error().message + InUseHint(data.error(), dir));
  return data;
}

// Where the ledger of `data` is kept.
std::unique_ptr<LedgerStore> MakeStore(TrackerData& data, const TrackerNodeOptions& options) {
  if (data.ledger) {
    return std::make_unique<LevelDbLedgerStore>(*data.ledger, options.service.commit_gather);
  }
  // Requests beyond these wait for a connection: the database's own
  // max_connections (100 by default) is shared by every instance.
  return std::make_unique<PgLedgerStore>(data.store, PgLedgerStore::kConnections);
}

// Where the live announcements are kept: beside the ledger in its database,
// shared by every instance; else in memory.
std::unique_ptr<StreamRegistry> MakeRegistry(const TrackerData& data) {
  if (data.ledger) return std::make_unique<MemoryStreamRegistry>();
  return std::make_unique<PgStreamRegistry>(data.store);
}

// What serves: the service and its methods, the registry of streams, the
// audits, the dashboard and the HTTP server, wired together.
class Tracker {
 public:
  Tracker(const TrackerNodeOptions& options, TrackerData& data)
      : m_options(options),
        m_service(data.key, MakeStore(data, options), options.service),
        m_registry(MakeRegistry(data)),
        m_audits(
            [this](const std::atomic<bool>* stop) { return m_service.ledger_store().Audit(stop); },
            [this] { return m_service.Now(); }),
        m_history(options.history_step_seconds, options.data_dir + "/history.json"),
        m_dashboard(m_service, *m_registry, m_audits, m_history) {
    if (Status loaded = m_history.Load(); !loaded) LogWarn("history: " + loaded.error().message);
    RegisterAllMethods(m_service, *m_registry, m_audits, options.http.max_body_bytes);
    RegisterBackupMethod(m_service, options.data_dir);
    EndpointOptions endpoint;
    endpoint.tuning = options.http;
    ServeSigned(m_server, m_service.rpc(), endpoint);
    InstrumentServer(m_server, m_service.metrics(), TrackerRouteOf(m_service));
    DeclareTrackerGauges(m_service.metrics(), m_service.ledger_store(), *m_registry, m_audits,
                         [this] { return m_service.Now(); });
    ServeDashboard(m_server, m_dashboard);
    ServeHealth(m_server, ReadyChecks());
  }

  // Ready: the store takes writes, the last audit passed, the ledger's
  // directory takes a synced write.
  std::vector<ReadyCheck> ReadyChecks() {
    auto store = [this]() -> Status {
      auto health = m_service.ledger_store().health();
      if (health.ok) return Status::Ok();
      return MakeError(ErrorCode::kUnavailable, "the ledger's store failed: " + health.error);
    };
    auto audit = [this] { return m_audits.LastPassed(); };
    std::string dir = m_options.data_dir + (m_options.store.empty() ? "/ledger" : "");
    auto disk = [dir] { return CheckWritable(dir); };
    return {{"store", store}, {"audit", audit}, {"disk", disk}};
  }

  // A ledger that does not pass its audit is not served.
  Status AuditAtStart() { return m_audits.RunAtStart(); }

  Result<int> Bind(const HostPort& where) {
    std::string why;
    int port = m_server.Bind(where.host, where.port, &why);
    if (port < 0) {
      return MakeError(ErrorCode::kUnavailable, "cannot listen on " + where.host + ":" +
                                                    std::to_string(where.port) + ": " + why);
    }
    return port;
  }

  // Serves until a signal comes to `signals`, then stops.
  void Serve(SignalWatcher& signals, const HostPort& bound) {
    signals.Start([this] {
      LogInfo("signal received; stopping");
      StopMaintenance();
      m_audits.Stop();     // a running audit ends early
      m_dashboard.Stop();  // event streams end
      m_server.Stop();
    });
    std::thread maintenance([this] { Maintain(); });
    m_dashboard.Start();
    m_audits.StartSchedule(m_options.audit_interval_seconds, /*now=*/false);  // done at start
    const PublicKey& key = m_service.public_key();
    LogInfo("tracker " + key.ToHex() + " (code " + KeyCode(key) + ") data in " +
            m_options.data_dir + (m_options.store.empty() ? "" : ", ledger in PostgreSQL"));
    std::cout << "listening on " << bound.Url() << std::endl;
    m_server.Run();
    StopMaintenance();
    maintenance.join();
    m_audits.Stop();
    m_dashboard.Stop();
    LogInfo("stopped");
  }

 private:
  // Releases expired contracts and prunes old answers, every interval, until stopped.
  void Maintain() {
    std::unique_lock lock(m_stop_mutex);
    auto interval = std::chrono::seconds(m_options.maintenance_interval_seconds);
    while (!m_stop_cv.wait_for(lock, interval, [this] { return m_stopping; })) {
      lock.unlock();
      auto done = m_service.RunMaintenance(m_service.Now());
      if (!done) {
        LogError("maintenance: " + done.error().message);
      } else if (done->released > 0) {
        LogInfo("released " + std::to_string(done->released) + " expired contract(s)");
      }
      lock.lock();
    }
  }

  void StopMaintenance() {
    {
      std::lock_guard lock(m_stop_mutex);
      m_stopping = true;
    }
    m_stop_cv.notify_all();
  }

  const TrackerNodeOptions& m_options;
  TrackerService m_service;
  std::unique_ptr<StreamRegistry> m_registry;
  AuditRunner m_audits;
  History m_history;
  Dashboard m_dashboard;
  HttpServer m_server;
  std::mutex m_stop_mutex;
  std::condition_variable m_stop_cv;
  bool m_stopping = false;
};

}  // namespace

Status RunTracker(const TrackerNodeOptions& options) {
  auto data = OpenDataDir(options.data_dir, options.store);
  if (!data) return data.error();
  SignalWatcher signals;  // before any thread starts, so all inherit the mask
  Tracker tracker(options, *data);
  if (Status audited = tracker.AuditAtStart(); !audited) {
    if (!options.store.empty()) {
      return MakeError(ErrorCode::kInternal,
                       audited.error().message +
                           " (in its PostgreSQL ledger; `tracker audit --store URL` shows the "
                           "whole report)");
    }
    return MakeError(ErrorCode::kInternal, NotServed(audited, options.data_dir));
  }
  auto port = tracker.Bind(options.listen);
  if (!port) return port.error();
  tracker.Serve(signals, HostPort{options.listen.host, *port});
  return Status::Ok();
}

}  // namespace tollstream
