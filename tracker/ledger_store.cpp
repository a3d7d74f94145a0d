#include "tracker/ledger_store.h"

namespace tollstream {
namespace {

// The stored answer of an applied request.
struct Stored {
  std::string request_id;
  json body;
};

std::optional<Stored> FromJson(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("answer") || !j["id"].is_string()) {
    return std::nullopt;
  }
  return Stored{j["id"].get<std::string>(), j["answer"]};
}

}  // namespace

Result<std::optional<json>> StoredAnswer(const LedgerTxn& txn, const SignedChange& change) {
  auto stored = txn.GetJson(change.answer_key);
  if (!stored) return stored.error();
  if (!stored->has_value()) return std::optional<json>();
  auto previous = FromJson(**stored);
  if (!previous) {
    return MakeError(ErrorCode::kInternal, "stored answer " + change.answer_key + " is damaged");
  }
  if (previous->request_id != change.request_id) {
    return MakeError(ErrorCode::kDuplicate,
                     "nonce " + change.nonce + " was used by another request");
  }
  return std::optional<json>(std::move(previous->body));
}

Result<json> RecordAnswer(LedgerTxn& txn, const SignedChange& change) {
  auto answer = change.apply(txn);
  if (!answer) return answer.error();
  txn.PutJson(change.answer_key, json{{"id", change.request_id}, {"answer", *answer}});
  txn.Put(change.by_time_key, "");
  return answer;
}

Result<std::optional<std::string>> NoLedgerTxn::ReadStored(const std::string& key) const {
  return MakeError(ErrorCode::kInternal, "this method reads no ledger record (" + key + ")");
}

}  // namespace tollstream
