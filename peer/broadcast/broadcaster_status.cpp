// What the broadcaster's status page shows (Broadcaster::Snapshot).
#include "common/base/clock.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/broadcaster_session.h"

namespace tollstream {

json Broadcaster::Snapshot() {
  Totals t = totals();
  json viewers = json::array();
  int64_t now = SteadyMillis();
  for (auto& s : Sessions()) {
    json row;
    std::unique_lock lock(s->mutex, std::try_to_lock);
    if (lock.owns_lock()) {
      const ContractTerms& terms = s->contract.terms;
      row = {{"contract", s->id},
             {"viewer", terms.viewer.ToHex()},
             {"code", KeyCode(terms.viewer)},
             {"max_segments", terms.max_segments},
             {"segments", s->sale.paid().segments},
             {"bytes", s->sale.paid().bytes},
             {"amount", s->sale.paid().amount},
             {"next_seq", s->sale.next_seq()},
             {"quiet_seconds", (now - s->last_heard) / 1000}};
      lock.unlock();
      std::lock_guard cache(m_mutex);
      m_status_cache[s->id] = row;
    } else {
      std::lock_guard cache(m_mutex);
      auto it = m_status_cache.find(s->id);
      if (it == m_status_cache.end()) continue;
      row = it->second;
    }
    viewers.push_back(std::move(row));
  }
  SourceInfo info = m_source.Info();
  uint64_t owed = 0;  // covered by receipts, not yet settled
  uint64_t unsettled_segments = 0;
  for (const auto& v : viewers) {
    owed += v["amount"].get<uint64_t>();
    unsettled_segments += v["segments"].get<uint64_t>();
  }
  return {{"stream", m_config.stream},
          {"broadcaster", m_key.public_key().ToHex()},
          {"code", KeyCode(m_key.public_key())},
          {"price", m_config.price},
          {"income_address", m_config.income_address},
          {"viewers", viewers.size()},
          {"contracts", t.contracts},
          {"segments_sold", t.segments_paid + unsettled_segments},  // paid by receipts
          {"earned", t.earned},
          {"owed", owed},
          {"segments_served", m_served.value()},
          {"receipts_rejected", m_receipts_rejected.value()},
          {"source",
           {{"available", info.available},
            {"first", info.first},
            {"last", info.last},
            {"ended", info.ended}}},
          {"sessions", viewers}};
}

}  // namespace tollstream
