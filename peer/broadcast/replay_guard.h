// The requests one contract has seen, so that a replayed request is refused
// without touching the contract, while the last request sent again (a retry
// whose answer was lost) passes.
//
// Not thread-safe: the contract's lock guards it.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

class ReplayGuard {
 public:
  // Admits the request `id` (nonce, ts) unless its nonce was seen with
  // another request before: then kDuplicate. Once `kKeep` nonces are held,
  // those with a ts before `stale_before` are forgotten (requests that old
  // are refused as stale anyway).
  Status Admit(const Hash256& id, const std::string& nonce, int64_t ts, int64_t stale_before);

  static constexpr size_t kKeep = 4096;

 private:
  std::map<std::string, int64_t> m_nonces;  // nonce -> ts
  Hash256 m_last{};
};

}  // namespace tollstream
