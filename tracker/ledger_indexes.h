// Indexes a ledger written by an earlier version lacks, built once when the
// ledger is opened: the open contracts by address (keys::kOpenByAddress),
// from the release index and the contract records. `m/indexes` records
// which are built, so a ledger is indexed once, in one synced write, before
// any request is served.
#pragma once

#include "common/base/result.h"
#include "common/store/kv_store.h"

namespace tollstream {

// Builds the indexes `store` lacks. Errors: kUnavailable (storage),
// kInternal (a damaged record).
Status BuildMissingIndexes(KvStore& store);

}  // namespace tollstream
