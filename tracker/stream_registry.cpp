#include "tracker/stream_registry.h"

#include <algorithm>

#include "common/base/ascii.h"
#include "common/crypto/keys.h"

namespace tollstream {

json Announcement::ToJson() const {
  json j = {{"stream", stream},
            {"broadcaster", broadcaster},
            {"url", url},
            {"price", price},
            {"income_address", income_address},
            {"expires", expires},
            {"since", since},
            {"origin", origin},
            {"role", origin == broadcaster ? "origin" : "relay"}};
  if (auto key = PublicKey::FromHex(broadcaster)) j["code"] = KeyCode(*key);
  if (auto key = PublicKey::FromHex(origin)) j["origin_code"] = KeyCode(*key);
  if (!title.empty()) j["title"] = title;
  if (!description.empty()) j["description"] = description;
  if (!renditions.is_null()) j["renditions"] = renditions;
  return j;
}

json DirectoryEntry::ToJson() const {
  json j = {{"stream", stream},           {"origin", origin}, {"title", title},
            {"description", description}, {"price", price},   {"sellers", sellers},
            {"origin_live", origin_live}, {"since", since},   {"viewers", viewers}};
  if (auto key = PublicKey::FromHex(origin)) j["origin_code"] = KeyCode(*key);
  return j;
}

void MemoryStreamRegistry::DropExpired(int64_t now) {
  if (now == m_last_sweep) return;  // at most one sweep a second
  m_last_sweep = now;
  for (auto s = m_streams.begin(); s != m_streams.end();) {
    auto& by_key = s->second;
    for (auto it = by_key.begin(); it != by_key.end();) {
      if (it->second.expires <= now) {
        if (--m_per_broadcaster[it->first] == 0) m_per_broadcaster.erase(it->first);
        --m_total;
        it = by_key.erase(it);
      } else {
        ++it;
      }
    }
    s = by_key.empty() ? m_streams.erase(s) : std::next(s);
  }
}

Status MemoryStreamRegistry::Announce(Announcement& a, int64_t now) {
  std::lock_guard lock(m_mutex);
  DropExpired(now);
  auto& by_key = m_streams[a.stream];
  auto it = by_key.find(a.broadcaster);
  if (it != by_key.end()) {
    a.since = it->second.since;
    it->second = a;
    return Status::Ok();
  }
  a.since = now;
  if (m_total >= m_limits.max_total) {
    if (by_key.empty()) m_streams.erase(a.stream);
    return MakeError(ErrorCode::kBusy, "the tracker holds as many announcements as it accepts");
  }
  if (m_per_broadcaster[a.broadcaster] >= m_limits.max_per_broadcaster) {
    if (by_key.empty()) m_streams.erase(a.stream);
    return MakeError(
        ErrorCode::kBusy,
        "this key announces " + std::to_string(m_limits.max_per_broadcaster) + " streams already");
  }
  ++m_per_broadcaster[a.broadcaster];
  ++m_total;
  by_key.emplace(a.broadcaster, a);
  return Status::Ok();
}

void MemoryStreamRegistry::Restore(Announcement a) {
  std::lock_guard lock(m_mutex);
  auto& by_key = m_streams[a.stream];
  std::string key = a.broadcaster;
  if (!by_key.emplace(key, std::move(a)).second) return;
  ++m_per_broadcaster[key];
  ++m_total;
}

Status MemoryStreamRegistry::Withdraw(const std::string& stream, const std::string& broadcaster) {
  std::lock_guard lock(m_mutex);
  auto s = m_streams.find(stream);
  if (s == m_streams.end()) return Status::Ok();
  if (s->second.erase(broadcaster) == 1) {
    if (--m_per_broadcaster[broadcaster] == 0) m_per_broadcaster.erase(broadcaster);
    --m_total;
  }
  if (s->second.empty()) m_streams.erase(s);
  return Status::Ok();
}

Result<std::vector<Announcement>> MemoryStreamRegistry::Lookup(const std::string& stream,
                                                               int64_t now,
                                                               const std::string& origin) {
  std::lock_guard lock(m_mutex);
  std::vector<Announcement> out;
  auto s = m_streams.find(stream);
  if (s == m_streams.end()) return out;
  for (const auto& [key, a] : s->second) {
    if (a.expires > now && (origin.empty() || a.origin == origin)) out.push_back(a);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Announcement& x, const Announcement& y) { return x.price < y.price; });
  return out;
}

Result<StreamRegistry::Listing> MemoryStreamRegistry::List(int64_t now, size_t limit) {
  std::lock_guard lock(m_mutex);
  DropExpired(now);
  Listing out;
  out.streams = m_streams.size();
  out.broadcasters = m_per_broadcaster.size();
  out.announcements = m_total;
  for (const auto& [stream, by_key] : m_streams) {
    for (const auto& [key, a] : by_key) {
      if (out.first.size() == limit) return out;
      out.first.push_back(a);
    }
  }
  return out;
}

Result<StreamRegistry::Found> MemoryStreamRegistry::Directory(int64_t now, const std::string& query,
                                                              size_t limit) {
  std::lock_guard lock(m_mutex);
  DropExpired(now);
  std::string wanted = AsciiLower(query);
  std::vector<DirectoryEntry> out;
  size_t matched = 0;
  for (const auto& [stream, by_key] : m_streams) {
    std::map<std::string, DirectoryEntry> by_origin;
    for (const auto& [key, a] : by_key) {
      if (a.expires <= now) continue;  // the sweep runs once a second at most
      DirectoryEntry& e = by_origin[a.origin];
      if (e.sellers == 0 || a.price < e.price) e.price = a.price;
      if (e.sellers == 0 || a.since < e.since) e.since = a.since;
      ++e.sellers;
      e.income_addresses.push_back(a.income_address);
      if (a.broadcaster == a.origin) {
        e.origin_live = true;
        e.title = a.title;
        e.description = a.description;
      }
    }
    for (auto& [origin, e] : by_origin) {
      e.stream = stream;
      e.origin = origin;
      if (!wanted.empty() && AsciiLower(stream).find(wanted) == std::string::npos &&
          AsciiLower(e.title).find(wanted) == std::string::npos) {
        continue;
      }
      ++matched;
      if (out.size() < limit) out.push_back(std::move(e));
    }
  }
  return Found{std::move(out), matched};
}

}  // namespace tollstream
