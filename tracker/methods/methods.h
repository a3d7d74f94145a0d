// The tracker's methods, one group per file. Each Register* adds its methods
// to the service; the HTTP endpoint (common/rpc/http_endpoint.h) serves every
// method at POST /v1/<method>.
// A method's Prepare validates params (and any nested signature) and returns
// the work to apply; business rules live in Ledger.
#pragma once

#include <string>

#include "tracker/audit_runner.h"
#include "tracker/stream_registry.h"
#include "tracker/tracker_service.h"

namespace tollstream {

void RegisterSessionMethods(TrackerService& service, size_t max_body_bytes);  // handshake
void RegisterAccountMethods(TrackerService& service);   // mint, transfer, account
void RegisterAddressMethods(TrackerService& service);   // open/get/close income, spend addresses
void RegisterContractMethods(TrackerService& service);  // openContract, closeContract, contract
void RegisterStreamMethods(TrackerService& service, StreamRegistry& registry);  // announce, lookup
void RegisterAuditMethods(TrackerService& service, AuditRunner& audits);        // audit, summary

// backup, writing its file in `data_dir` as it goes (tracker/backup.h).
void RegisterBackupMethod(TrackerService& service, const std::string& data_dir);

// Every group above but backup.
void RegisterAllMethods(TrackerService& service, StreamRegistry& registry, AuditRunner& audits,
                        size_t max_body_bytes);

}  // namespace tollstream
