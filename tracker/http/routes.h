// The tracker's methods, one group per file. Each Register* adds its methods
// to the service; the HTTP server serves every method at POST /v1/<method>.
// A method's Prepare validates params (and any nested signature) and returns
// the work to apply; business rules live in Ledger.
#pragma once

#include "tracker/audit_runner.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_service.h"

namespace tollstream {

void RegisterSessionRoutes(TrackerService& service, size_t max_body_bytes);  // handshake
void RegisterAccountRoutes(TrackerService& service);   // mint, transfer, account
void RegisterAddressRoutes(TrackerService& service);   // get/close income and spend addresses
void RegisterContractRoutes(TrackerService& service);  // openContract, closeContract, contract
void RegisterStreamRoutes(TrackerService& service, StreamRegistry& registry);  // announce, lookup
void RegisterAuditRoutes(TrackerService& service, AuditRunner& audits);        // audit, summary

// Every group above.
void RegisterAllRoutes(TrackerService& service, StreamRegistry& registry, AuditRunner& audits,
                       size_t max_body_bytes);

}  // namespace tollstream
