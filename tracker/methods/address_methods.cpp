#include "common/base/hex.h"
#include "common/wire/fields.h"
#include "tracker/methods/methods.h"

namespace tollstream {
namespace {

using Apply = TrackerService::Apply;
using Kind = TrackerService::Kind;

Result<std::string> ParseAddressParam(const json& params) {
  ObjectReader r(params, "params");
  std::string address = r.Address("address");
  if (Status s = r.Finish(); !s) return s.error();
  return address;
}

}  // namespace

void RegisterAddressMethods(TrackerService& service) {
  Ledger& ledger = service.ledger();

  // getIncomeAddress: the signer's open income address, created if needed.
  service.AddMethod("getIncomeAddress", Kind::kChange,
                    [&ledger](const Request& req) -> Result<Apply> {
                      ObjectReader r(req.params, "params");
                      if (Status s = r.Finish(); !s) return s.error();
                      return Apply([&ledger, owner = req.signer](LedgerTxn& txn, int64_t now) {
                        return ledger.GetIncomeAddress(txn, owner, now);
                      });
                    });

  // getSpendAddress: the signer's open spend address, created if needed, with
  // `deposit` moved into it from the signer's ordinary address.
  service.AddMethod("getSpendAddress", Kind::kChange,
                    [&ledger](const Request& req) -> Result<Apply> {
                      ObjectReader r(req.params, "params");
                      uint64_t deposit = r.Amount("deposit");
                      if (Status s = r.Finish(); !s) return s.error();
                      return Apply([&ledger, owner = req.signer, deposit, ref = ToHex(req.id)](
                                       LedgerTxn& txn, int64_t now) {
                        return ledger.GetSpendAddress(txn, owner, deposit, ref, now);
                      });
                    });

  // openAddresses: any key's open income and spend addresses, opening none.
  service.AddMethod("openAddresses", Kind::kRead, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::optional<PublicKey> owner = r.Key("owner");
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&ledger, owner = *owner](LedgerTxn& txn, int64_t) {
      return ledger.OpenAddresses(txn, owner);
    });
  });

  service.AddMethod("closeIncomeAddress", Kind::kChange,
                    [&ledger](const Request& req) -> Result<Apply> {
                      auto address = ParseAddressParam(req.params);
                      if (!address) return address.error();
                      return Apply([&ledger, owner = req.signer, address = *address,
                                    ref = ToHex(req.id)](LedgerTxn& txn, int64_t now) {
                        return ledger.CloseIncomeAddress(txn, owner, address, ref, now);
                      });
                    });

  service.AddMethod("closeSpendAddress", Kind::kChange,
                    [&ledger](const Request& req) -> Result<Apply> {
                      auto address = ParseAddressParam(req.params);
                      if (!address) return address.error();
                      return Apply([&ledger, owner = req.signer, address = *address,
                                    ref = ToHex(req.id)](LedgerTxn& txn, int64_t now) {
                        return ledger.CloseSpendAddress(txn, owner, address, ref, now);
                      });
                    });
}

}  // namespace tollstream
