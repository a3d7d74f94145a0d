// The running tracker, from start to a clean stop: it opens its data
// directory (the key, and the LevelDB ledger or the PostgreSQL one),
// serves the signed methods, the dashboard and /metrics over HTTP, runs the
// maintenance pass (releasing expired contracts, pruning old answers) and
// the audit schedule, and on SIGINT or SIGTERM stops serving, ends running
// audits and event streams, and closes the ledger.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/result.h"
#include "common/cli/host_port.h"
#include "common/http/http_server.h"
#include "tracker/tracker_service.h"

namespace tollstream {

struct TrackerNodeOptions {
  std::string data_dir;  // made by `tracker init` (InitTrackerData); never created here
  std::string store;     // the ledger's PostgreSQL URL; empty: LevelDB in data_dir/ledger
  HostPort listen;       // port 0: any free port
  ServiceConfig service;
  ServerTuning http;  // threads, max_body_bytes
  int64_t maintenance_interval_seconds = 1;
  int64_t audit_interval_seconds = 3600;  // 0: only at start
  int64_t history_step_seconds = 60;      // the dashboard history's (tracker/history.h)
};

// Serves until SIGINT or SIGTERM, then stops cleanly. Prints "listening on
// URL" once it accepts requests. Errors: what kept it from starting (the
// data directory, its key, its ledger, each named when missing or damaged;
// a ledger that fails its audit at start, which is not served; the listen
// address).
Status RunTracker(const TrackerNodeOptions& options);

}  // namespace tollstream
