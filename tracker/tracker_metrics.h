// What the tracker's /metrics shows beside the HTTP figures
// (common/http/server_metrics.h) and the counters the service and its methods keep
// (tollstream_tracker_refusals_total, tollstream_tracker_receipts_rejected_total):
// gauges read at scrape time from the committed ledger totals, the stream
// registry and the last audit.
//
// A scrape reads the ledger with two Gets at most (m/supply and m/totals, read
// once and shared by every ledger gauge of that scrape).
#pragma once

#include <functional>

#include "common/http/server_metrics.h"
#include "common/observe/metrics.h"
#include "common/store/kv_store.h"
#include "tracker/audit_runner.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_service.h"

namespace tollstream {

// Declares the gauges in `metrics`; the others outlive it.
void DeclareTrackerGauges(Metrics& metrics, LedgerStore& store, StreamRegistry& registry,
                          const AuditRunner& audits, std::function<int64_t()> clock);

// The route label of a request: /v1/<method> for a registered method, the
// dashboard's paths, /metrics; "other" for anything else.
RouteOf TrackerRouteOf(const TrackerService& service);

}  // namespace tollstream
