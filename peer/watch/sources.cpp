#include "peer/watch/sources.h"

#include <algorithm>
#include <future>
#include <limits>
#include <map>

#include "common/base/pause.h"
#include "common/client/tracker_api.h"
#include "common/wire/fields.h"
#include "peer/watch/broadcaster_client.h"
#include "peer/watch/no_seller.h"

namespace tollstream {
namespace {

constexpr size_t kMostProbed = 16;
constexpr int kProbeTimeoutMs = 2000;

// Of the origins among `sellers`, the one whose own announcement has been
// live longest (an origin listed only through relays counts as newest);
// equal ages go to the smaller key. Says in `note` who else sells the name.
PublicKey LongestLive(const std::vector<Source>& sellers, const std::string& stream,
                      std::string& note) {
  std::map<std::string, int64_t> since;  // origin hex -> its own announcement's age
  for (const auto& s : sellers) {
    auto [it, added] = since.emplace(s.origin.ToHex(), std::numeric_limits<int64_t>::max());
    if (!s.relay) it->second = std::min(it->second, s.since);
  }
  auto best = std::min_element(since.begin(), since.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  PublicKey chosen = *PublicKey::FromHex(best->first);
  if (since.size() > 1) {
    note = std::to_string(since.size()) + " origins sell a stream named \"" + stream +
           "\": buying from " + best->first + " code " + KeyCode(chosen) +
           ", live longest; the others:";
    for (const auto& [hex, at] : since) {
      if (hex != best->first) note += " " + hex + " code " + KeyCode(*PublicKey::FromHex(hex));
    }
    note += " (name one with --origin)";
  }
  return chosen;
}

// The sources among `listed` that sell segments within `max_price` (every
// rendition above it left aside) at most `price` a segment.
std::vector<Source> PricedWithin(const std::vector<Listing>& listed, uint64_t price,
                                 std::optional<uint64_t> max_price) {
  std::vector<Source> out;
  for (const Listing& l : listed) {
    auto most = l.DearestWithin(max_price.value_or(UINT64_MAX));
    if (!most || *most > price) continue;
    out.push_back(Source{l.broadcaster,
                         l.url,
                         l.price,
                         *most,
                         l.income_address,
                         l.origin,
                         l.relay(),
                         0,
                         l.since,
                         {}});
  }
  return out;
}

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
                           std::optional<PublicKey> origin, std::optional<uint64_t> max_price)
    : m_tracker(tracker),
      m_key(key),
      m_stream(std::move(stream)),
      m_origin(origin),
      m_max_price(max_price) {}

Result<std::vector<Listing>> SourceFinder::Listed() {
  auto listed = TrackerApi(m_tracker).Lookup(m_stream, m_origin);
  if (!listed) return listed.error();
  // Never itself: a relay whose source died finds its own announcement.
  std::erase_if(*listed, [this](const Listing& l) {
    return GivenUp(l.broadcaster) || l.broadcaster == m_key.public_key();
  });
  return listed;
}

Result<std::vector<Source>> SourceFinder::LookUp(uint64_t budget) {
  auto listed = Listed();
  if (!listed) return listed.error();
  return PricedWithin(*listed, budget, m_max_price);
}

Result<std::vector<Source>> SourceFinder::WaitForSellers(uint64_t budget,
                                                         std::chrono::seconds timeout,
                                                         const std::atomic<bool>& stop) {
  auto give_up = std::chrono::steady_clock::now() + timeout;
  std::vector<Source> sellers;
  while (!stop) {
    auto listed = Listed();
    if (!listed) return listed.error();
    // A first contract takes the opening charge and a segment: twice the price.
    sellers = PricedWithin(*listed, budget / 2, m_max_price);
    if (!sellers.empty()) break;
    if (std::chrono::steady_clock::now() >= give_up) {
      std::vector<StreamEntry> live;
      if (listed->empty()) {
        auto directory = TrackerApi(m_tracker).Streams("");
        if (directory) live = std::move(*directory);
      }
      return NoSellerError(m_stream, m_origin, budget, m_max_price, *listed, live);
    }
    PauseUnless(stop, 500);
  }
  if (stop || m_origin) return sellers;
  m_origin = LongestLive(sellers, m_stream, m_note);
  std::erase_if(sellers, [this](const Source& s) { return s.origin != *m_origin; });
  return sellers;
}

Result<Source> SourceFinder::Choose(uint64_t budget, std::vector<Source> sellers) {
  if (sellers.empty()) {
    auto found = LookUp(budget);
    if (!found) return found.error();
    sellers = std::move(*found);
  }
  // Every candidate at once: sources that do not answer cost one deadline
  // in all, not one each. Origins first, so that no crowd of relays keeps
  // the origin from being probed.
  std::stable_partition(sellers.begin(), sellers.end(), [](const Source& s) { return !s.relay; });
  std::vector<std::future<std::optional<Source>>> probes;
  for (auto& s : sellers) {
    if (probes.size() >= kMostProbed || GivenUp(s.key)) continue;
    probes.push_back(std::async(std::launch::async, [this, s]() -> std::optional<Source> {
      BroadcasterClient probe(s.url, m_key, *m_tracker.tracker(), s.key, m_tracker.clock_offset(),
                              kProbeTimeoutMs);
      auto small = probe.Probe(0);
      auto large = small ? probe.Probe(64 * 1024) : small;
      if (!large) return std::nullopt;
      Source probed = s;
      probed.probe_us = small->count() + large->count();
      return probed;
    }));
  }
  std::vector<Source> answered;
  for (auto& p : probes) {
    if (auto s = p.get()) answered.push_back(std::move(*s));
  }
  if (answered.empty()) {
    return MakeError(ErrorCode::kNotFound, "no other source of \"" + m_stream + "\" answers");
  }
  std::stable_sort(answered.begin(), answered.end(), [](const Source& a, const Source& b) {
    return a.most != b.most ? a.most < b.most : a.probe_us < b.probe_us;
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
