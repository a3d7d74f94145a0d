#include <memory>

#include "common/base/hex.h"
#include "common/wire/fields.h"
#include "tracker/ledger_pages.h"
#include "tracker/methods/methods.h"

namespace tollstream {
namespace {

// Receipts refused at closeContract, by reason; the series are found once.
class RejectedReceipts {
 public:
  explicit RejectedReceipts(Metrics& metrics) {
    metrics.DeclareCounter("tollstream_tracker_receipts_rejected_total",
                           "Receipts refused at closeContract, by reason.", {"reason"});
    auto series = [&](const char* reason) -> Metrics::Counter& {
      return metrics.counter("tollstream_tracker_receipts_rejected_total", {reason});
    };
    m_malformed = &series("malformed");
    m_bad_signature = &series("bad_signature");
    m_other_contract = &series("other_contract");
    m_wrong_viewer = &series("wrong_viewer");
    m_too_many_segments = &series("too_many_segments");
    m_wrong_counts = &series("wrong_counts");
    m_wrong_amount = &series("wrong_amount");
  }

  void Unparsed(const Error& e) const {
    (e.code == ErrorCode::kBadSignature ? m_bad_signature : m_malformed)->Add();
  }
  void OtherContract() const { m_other_contract->Add(); }
  void Refused(ReceiptRefusal why) const {
    switch (why) {
      case ReceiptRefusal::kNone:
        return;
      case ReceiptRefusal::kWrongViewer:
        return m_wrong_viewer->Add();
      case ReceiptRefusal::kTooManySegments:
        return m_too_many_segments->Add();
      case ReceiptRefusal::kWrongCounts:
        return m_wrong_counts->Add();
      case ReceiptRefusal::kWrongAmount:
        return m_wrong_amount->Add();
    }
  }

 private:
  Metrics::Counter* m_malformed;
  Metrics::Counter* m_bad_signature;
  Metrics::Counter* m_other_contract;
  Metrics::Counter* m_wrong_viewer;
  Metrics::Counter* m_too_many_segments;
  Metrics::Counter* m_wrong_counts;
  Metrics::Counter* m_wrong_amount;
};

}  // namespace

void RegisterContractMethods(TrackerService& service) {
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;
  Ledger& ledger = service.ledger();
  auto rejected = std::make_shared<const RejectedReceipts>(service.metrics());

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
  service.AddMethod("closeContract", Kind::kChange,
                    [&ledger, rejected](const Request& req) -> Result<Apply> {
                      ObjectReader r(req.params, "params");
                      std::string id = r.HexString("contract", 32);
                      const json* receipt_json = r.Has("receipt") ? &r.Object("receipt") : nullptr;
                      if (Status s = r.Finish(); !s) return s.error();
                      std::optional<Receipt> receipt;
                      if (receipt_json != nullptr) {
                        auto parsed = ParseReceipt(*receipt_json, "params.receipt");
                        if (!parsed) {
                          rejected->Unparsed(parsed.error());
                          return parsed.error();
                        }
                        if (ToHex(parsed->contract) != id) {
                          rejected->OtherContract();
                          return MakeError(ErrorCode::kInvalidField,
                                           "params.receipt.contract is not params.contract");
                        }
                        receipt = std::move(*parsed);
                      }
                      return Apply([&ledger, rejected, id, receipt = std::move(receipt),
                                    caller = req.signer](LedgerTxn& txn, int64_t now) {
                        ReceiptRefusal why = ReceiptRefusal::kNone;
                        auto closed = ledger.CloseContract(txn, caller, id, receipt, now, &why);
                        rejected->Refused(why);
                        return closed;
                      });
                    });

  service.AddMethod("contract", Kind::kRead, [&ledger](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string id = r.HexString("id", 32);
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&ledger, id](LedgerTxn& txn, int64_t) { return ledger.ContractInfo(txn, id); });
  });

  // openContracts: the open contracts of a spend or income address, a page
  // at a time, as committed (a seller that lost its records finds its
  // contracts here).
  service.AddMethod(
      "openContracts", Kind::kStateless, [&service](const Request& req) -> Result<Apply> {
        ObjectReader r(req.params, "params");
        std::string address = r.HexString("address", 32);
        std::string after = r.Has("after") ? r.HexString("after", 32) : "";
        uint64_t limit = r.Has("limit") ? r.Amount("limit") : kDefaultPageSize;
        if (Status s = r.Finish(); !s) return s.error();
        return Apply([&service, address, after, limit](LedgerTxn&, int64_t) -> Result<json> {
          auto page =
              service.ledger_store().OpenContractsOf(address, after, static_cast<size_t>(limit));
          if (!page) return page.error();
          return page->ToJson("contracts");
        });
      });
}

}  // namespace tollstream
