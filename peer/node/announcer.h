// A selling node's announcement at the tracker: made, renewed a third of
// its time-to-live after the last attempt (so that one lost renewal never
// lets it lapse), and withdrawn when the node stops.
//
// Not thread-safe: one node loop drives it.
#pragma once

#include <chrono>
#include <optional>

#include "common/base/result.h"
#include "common/client/tracker_api.h"
#include "peer/broadcast/broadcaster.h"

namespace tollstream {

class Announcer {
 public:
  // `what.ttl` is the time-to-live of each announcement (at least 3 s).
  // The first announcement is due at once.
  Announcer(Broadcaster& seller, AnnounceParams what) : m_seller(seller), m_what(std::move(what)) {}

  // Announces now. Errors: the tracker's.
  Status Announce();
  // Announces when due; the outcome when it tried, else nullopt.
  std::optional<Status> RenewIfDue();
  // Withdraws the announcement (ttl 0); a failure only makes it lapse later.
  void Withdraw();

 private:
  Status Send(int64_t ttl);

  Broadcaster& m_seller;
  AnnounceParams m_what;
  std::chrono::steady_clock::time_point m_next = std::chrono::steady_clock::now();
};

}  // namespace tollstream
