// What the broadcaster says it sells (the `stream` method; the supply of
// each rendition a contract asks for) and what its status page shows
// (Broadcaster::Snapshot).
#include "common/base/clock.h"
#include "common/protocol/address.h"
#include "common/wire/fields.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/broadcaster_session.h"

namespace tollstream {

Result<json> Broadcaster::StreamInfo(const Request& req) {
  ObjectReader r(req.params, "params");
  std::string stream = r.Name("stream");
  if (Status s = r.Finish(); !s) return s.error();
  if (stream != m_config.stream)
    return MakeError(ErrorCode::kNotFound, "this node sells only " + m_config.stream);
  (void)m_source.Refresh();
  SourceInfo info = m_source.Info();
  json out = {{"stream", m_config.stream},
              {"origin", m_source.origin().ToHex()},
              {"broadcaster", m_key.public_key().ToHex()},
              {"code", KeyCode(m_key.public_key())},
              {"price", m_config.price},
              {"income_address", m_config.income_address},
              {"available", info.available},
              {"ended", info.ended},
              {"finished", info.finished},
              {"target_duration", info.target_duration}};
  if (!m_config.renditions.empty()) {
    json renditions = json::array();
    for (const OfferedRendition& sold : m_config.renditions)
      renditions.push_back(sold.spec.ToJson());
    out["renditions"] = std::move(renditions);
  }
  if (info.available) {
    out["first"] = info.first;
    out["last"] = info.last;
  }
  return out;
}

Result<SegmentSupply*> Broadcaster::SupplyFor(const Session& s, const std::string& name) {
  const std::vector<RenditionPrice>& bought = s.contract.terms.renditions;
  if (bought.empty()) {
    if (!name.empty()) {
      return MakeError(ErrorCode::kInvalidField,
                       "params.rendition: the contract buys one rendition; name none");
    }
    return &m_source;  // the only one, or the top one
  }
  const std::string& wanted = name.empty() ? bought.front().name : name;
  if (!s.contract.terms.Rendition(wanted)) {
    return MakeError(ErrorCode::kInvalidField,
                     "params.rendition: the contract does not buy " + wanted);
  }
  for (const OfferedRendition& r : m_config.renditions) {
    if (r.spec.name == wanted) return r.supply;
  }
  return MakeError(ErrorCode::kInvalidField, "params.rendition: this node sells no " + wanted);
}

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
