#include "common/wire/fields.h"
#include "tracker/methods/methods.h"

namespace tollstream {

void RegisterAuditMethods(TrackerService& service, AuditRunner& audits) {
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;

  // audit: the full ledger check on a snapshot. One runs at a time; its
  // result is also the dashboard's last audit.
  service.AddMethod("audit", Kind::kStateless, [&audits](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&audits](LedgerTxn&, int64_t) -> Result<json> {
      auto report = audits.RunRequested();
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
