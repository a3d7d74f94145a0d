#include <memory>
#include <mutex>

#include "common/fields.h"
#include "tracker/audit.h"
#include "tracker/http/routes.h"

namespace tollstream {

void RegisterAuditRoutes(TrackerService& service) {
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;

  // audit: the full ledger check on a snapshot. One runs at a time (the
  // mutex guards no data; it only limits the cost).
  auto running = std::make_shared<std::mutex>();
  service.AddMethod("audit", Kind::kStateless, [&service, running](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&service, running](LedgerTxn&, int64_t) -> Result<json> {
      std::unique_lock lock(*running, std::try_to_lock);
      if (!lock.owns_lock()) return MakeError(ErrorCode::kBusy, "an audit is running; try again");
      auto report = AuditLedger(service.store());
      if (!report) return report.error();
      return report->ToJson();
    });
  });

  // summary: minted supply and traffic totals.
  service.AddMethod("summary", Kind::kRead, [&service](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&service](LedgerTxn& txn, int64_t) { return service.ledger().Summary(txn); });
  });
}

}  // namespace tollstream
