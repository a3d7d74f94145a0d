#include "peer/watch/sources.h"

#include <algorithm>

#include "common/base/pause.h"
#include "common/client/tracker_api.h"
#include "common/wire/fields.h"
#include "peer/watch/broadcaster_client.h"

namespace tollstream {
namespace {

constexpr size_t kMostProbed = 8;
constexpr int kProbeTimeoutMs = 3000;

}  // namespace

Status CheckSells(const json& info, const Source& listed, const PublicKey& origin) {
  if (FindString(info, "income_address") != listed.income_address) {
    return MakeError(ErrorCode::kUpstream,
                     "the broadcaster names another income address than the tracker");
  }
  if (FindString(info, "origin").value_or(listed.key.ToHex()) != origin.ToHex()) {
    return MakeError(ErrorCode::kUpstream, "the broadcaster sells the stream of another origin");
  }
  return Status::Ok();
}

SourceFinder::SourceFinder(TrackerClient& tracker, const KeyPair& key, std::string stream,
                           std::optional<PublicKey> origin)
    : m_tracker(tracker), m_key(key), m_stream(std::move(stream)), m_origin(origin) {}

Result<std::vector<Source>> SourceFinder::LookUp(uint64_t budget) {
  auto listed = TrackerApi(m_tracker).Lookup(m_stream, m_origin);
  if (!listed) return listed.error();
  std::vector<Source> out;
  for (const Listing& l : *listed) {
    if (l.price > budget || GivenUp(l.broadcaster)) continue;
    out.push_back(Source{l.broadcaster, l.url, l.price, l.income_address, l.origin, l.relay(), 0});
  }
  return out;
}

Result<std::vector<Source>> SourceFinder::WaitForSellers(uint64_t budget,
                                                         std::chrono::seconds timeout,
                                                         const std::atomic<bool>& stop) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  std::vector<Source> sellers;
  while (!stop) {
    auto found = LookUp(budget);
    if (!found) return found.error();
    sellers = std::move(*found);
    if (!sellers.empty()) break;
    if (std::chrono::steady_clock::now() > give_up) {
      return MakeError(ErrorCode::kNotFound, "no live broadcaster of \"" + m_stream +
                                                 "\" sells within a budget of " +
                                                 std::to_string(budget));
    }
    PauseUnless(stop, 500);
  }
  if (stop || m_origin) return sellers;
  std::set<std::string> origins;
  for (const auto& s : sellers) origins.insert(s.origin.ToHex());
  if (origins.size() > 1) {
    return MakeError(ErrorCode::kConflict, std::to_string(origins.size()) +
                                               " origins sell a stream named \"" + m_stream +
                                               "\": choose one with --origin");
  }
  m_origin = sellers.front().origin;
  return sellers;
}

Result<Source> SourceFinder::Choose(uint64_t budget, std::vector<Source> sellers) {
  if (sellers.empty()) {
    auto found = LookUp(budget);
    if (!found) return found.error();
    sellers = std::move(*found);
  }
  std::vector<Source> answered;
  for (auto& s : sellers) {
    if (answered.size() >= kMostProbed || GivenUp(s.key)) continue;
    BroadcasterClient probe(s.url, m_key, *m_tracker.tracker(), s.key, m_tracker.clock_offset(),
                            kProbeTimeoutMs);
    auto small = probe.Probe(0);
    auto large = small ? probe.Probe(64 * 1024) : small;
    if (!large) continue;
    s.probe_us = small->count() + large->count();
    answered.push_back(s);
  }
  if (answered.empty()) {
    return MakeError(ErrorCode::kNotFound, "no other source of \"" + m_stream + "\" answers");
  }
  std::stable_sort(answered.begin(), answered.end(), [](const Source& a, const Source& b) {
    return a.price != b.price ? a.price < b.price : a.probe_us < b.probe_us;
  });
  return answered.front();
}

bool SourceFinder::HasOther(uint64_t budget, const PublicKey& current) {
  auto found = LookUp(budget);
  if (!found) return false;
  return std::any_of(found->begin(), found->end(),
                     [&](const Source& s) { return s.key != current; });
}

}  // namespace tollstream
