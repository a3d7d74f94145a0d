#include "tracker/ledger_indexes.h"

#include "tracker/ledger_keys.h"
#include "tracker/ledger_records.h"

namespace tollstream {
namespace {

constexpr const char* kOpenByAddressBuilt = "open_by_address";

Error Damaged(const std::string& what) {
  return MakeError(ErrorCode::kInternal, "the ledger is damaged: " + what);
}

}  // namespace

Status BuildMissingIndexes(KvStore& store) {
  auto marker = store.Get(keys::kIndexes);
  if (!marker) return marker.error();
  json built = json::object();
  if (marker->has_value()) {
    built = json::parse(**marker, nullptr, /*allow_exceptions=*/false);
    if (!built.is_object()) return Damaged(std::string(keys::kIndexes) + " is not an object");
  }
  if (built.value(kOpenByAddressBuilt, false)) return Status::Ok();

  KvBatch batch;
  auto it = store.NewIterator();
  for (it->Seek(keys::kReleases.first); it->Valid() && keys::kReleases.Contains(it->key());
       it->Next()) {
    auto release = keys::ParseReleaseKey(it->key());
    if (!release) return Damaged("malformed key " + std::string(it->key()));
    auto raw = store.Get(keys::Contract(release->id));
    if (!raw) return raw.error();
    if (!raw->has_value()) return Damaged("the release index names a missing contract");
    json value = json::parse(**raw, nullptr, /*allow_exceptions=*/false);
    auto rec = ContractRecord::FromJson(value);
    if (!rec) return Damaged("contract " + release->id + ": " + rec.error().message);
    batch.Put(keys::OpenByAddress(rec->terms.spend_address, rec->id), "");
    batch.Put(keys::OpenByAddress(rec->terms.income_address, rec->id), "");
  }
  if (Status s = it->status(); !s) return s;
  built[kOpenByAddressBuilt] = true;
  batch.Put(keys::kIndexes, built.dump());
  return store.Write(batch, /*sync=*/true);
}

}  // namespace tollstream
