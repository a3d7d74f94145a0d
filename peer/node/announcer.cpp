#include "peer/node/announcer.h"

namespace tollstream {

Status Announcer::Send(int64_t ttl) {
  AnnounceParams params = m_what;
  params.ttl = ttl;
  return m_seller.WithTracker([&](TrackerClient& c) { return TrackerApi(c).Announce(params); });
}

Status Announcer::Announce() {
  Status s = Send(m_what.ttl);
  m_next = std::chrono::steady_clock::now() + std::chrono::seconds(m_what.ttl / 3);
  return s;
}

std::optional<Status> Announcer::RenewIfDue() {
  if (std::chrono::steady_clock::now() < m_next) return std::nullopt;
  return Announce();
}

void Announcer::Withdraw() {
  (void)Send(0);
}

}  // namespace tollstream
