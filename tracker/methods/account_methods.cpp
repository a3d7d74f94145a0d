#include "common/base/hex.h"
#include "common/wire/fields.h"
#include "tracker/methods/methods.h"

namespace tollstream {
namespace {

using Apply = TrackerService::Apply;
using Kind = TrackerService::Kind;

struct Movement {
  std::string to;
  uint64_t amount = 0;
};

Result<Movement> ParseMovement(const json& params) {
  ObjectReader r(params, "params");
  Movement m;
  m.to = r.Address("to");
  m.amount = r.Amount("amount");
  if (r.ok() && m.amount == 0) r.Fail("amount", "must be at least 1");
  if (Status s = r.Finish(); !s) return s.error();
  return m;
}

}  // namespace

void RegisterAccountMethods(TrackerService& service) {
  Ledger& ledger = service.ledger();

  // mint: the operator brings tokens in. Only the tracker's own key may sign it.
  service.AddMethod(
      "mint", Kind::kChange, [&service, &ledger](const Request& req) -> Result<Apply> {
        auto m = ParseMovement(req.params);
        if (!m) return m.error();
        if (req.signer != service.public_key()) {
          return MakeError(ErrorCode::kForbidden, "only the tracker's own key may mint");
        }
        return Apply([&ledger, m = *m, ref = ToHex(req.id)](LedgerTxn& txn, int64_t now) {
          return ledger.Mint(txn, m.to, m.amount, ref, now);
        });
      });

  // transfer: between ordinary addresses, from the signer's own.
  service.AddMethod("transfer", Kind::kChange, [&ledger](const Request& req) -> Result<Apply> {
    auto m = ParseMovement(req.params);
    if (!m) return m.error();
    return Apply(
        [&ledger, m = *m, from = req.signer, ref = ToHex(req.id)](LedgerTxn& txn, int64_t now) {
          return ledger.Transfer(txn, from, m.to, m.amount, ref, now);
        });
  });

  // account: any address's state. An address never seen holds nothing.
  service.AddMethod("account", Kind::kRead, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string address = r.Address("address");
    if (Status s = r.Finish(); !s) return s.error();
    return Apply(
        [&ledger, address](LedgerTxn& txn, int64_t) { return ledger.AccountInfo(txn, address); });
  });
}

}  // namespace tollstream
