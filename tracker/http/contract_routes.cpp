#include "common/fields.h"
#include "common/hex.h"
#include "tracker/http/routes.h"

namespace tollstream {

void RegisterContractRoutes(TrackerService& service) {
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;
  Ledger& ledger = service.ledger();

  // openContract: B sends the contract C signed and B countersigned.
  service.AddMethod("openContract", Kind::kChange, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    const json& contract_json = r.Object("contract");
    if (Status s = r.Finish(); !s) return s.error();
    auto contract = ParseContract(contract_json, ContractSigs::kBoth, "params.contract");
    if (!contract) return contract.error();
    return Apply([&ledger, contract = std::move(*contract), caller = req.signer](LedgerTxn& txn,
                                                                                  int64_t now) {
      return ledger.OpenContract(txn, caller, contract, now);
    });
  });

  // closeContract: B sends C's last valid receipt (or none: nothing is owed).
  service.AddMethod("closeContract", Kind::kChange, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string id = r.HexString("contract", 32);
    const json* receipt_json = r.Has("receipt") ? &r.Object("receipt") : nullptr;
    if (Status s = r.Finish(); !s) return s.error();
    std::optional<Receipt> receipt;
    if (receipt_json != nullptr) {
      auto parsed = ParseReceipt(*receipt_json, "params.receipt");
      if (!parsed) return parsed.error();
      if (ToHex(parsed->contract) != id) {
        return MakeError(ErrorCode::kInvalidField, "params.receipt.contract is not params.contract");
      }
      receipt = std::move(*parsed);
    }
    return Apply([&ledger, id, receipt = std::move(receipt), caller = req.signer](LedgerTxn& txn,
                                                                                  int64_t now) {
      return ledger.CloseContract(txn, caller, id, receipt, now);
    });
  });

  service.AddMethod("contract", Kind::kRead, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string id = r.HexString("id", 32);
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&ledger, id](LedgerTxn& txn, int64_t) { return ledger.ContractInfo(txn, id); });
  });
}

}  // namespace tollstream
