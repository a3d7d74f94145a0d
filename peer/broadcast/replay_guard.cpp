#include "peer/broadcast/replay_guard.h"

namespace tollstream {

Status ReplayGuard::Admit(const Hash256& id, const std::string& nonce, int64_t ts,
                          int64_t stale_before) {
  if (id == m_last) return Status::Ok();  // a retry of the last request
  if (m_nonces.contains(nonce)) {
    return MakeError(ErrorCode::kDuplicate,
                     "this request was seen before (a replay); nothing changed");
  }
  if (m_nonces.size() >= kKeep) {
    std::erase_if(m_nonces, [&](const auto& entry) { return entry.second < stale_before; });
  }
  m_nonces.emplace(nonce, ts);
  m_last = id;
  return Status::Ok();
}

}  // namespace tollstream
