// Live broadcasters by stream, as announced (seed 000: a registration that
// lives for a time-to-live and is renewed by keepalive). Soft state: kept in
// memory only; broadcasters announce again after a tracker restart.
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/wire/json.h"

namespace tollstream {

// A stream is named by its origin's key and its name. The origin sells the
// segments it signs; a relay re-sells the origin's segments it bought, with
// the origin's signatures unchanged. An announcement's role follows from
// its keys: "origin" when the announcer is the origin, else "relay" (so no
// relay can present itself as the origin).
struct Announcement {
  std::string stream;
  std::string broadcaster;  // public key hex: who sells (and signs its answers)
  std::string origin;       // public key hex: who signs the segments
  std::string url;          // the broadcaster node's base URL
  uint64_t price = 0;       // tokens per segment
  std::string income_address;
  int64_t expires = 0;      // unix seconds
  int64_t since = 0;        // unix seconds: when first announced (renewals keep it)
  std::string title;        // set by the origin; may be empty
  std::string description;  // likewise

  json ToJson() const;
};

// One stream of the directory: a name and its origin, with what its sellers
// (the origin and its relays) announced.
struct DirectoryEntry {
  std::string stream;
  std::string origin;              // public key hex
  std::string title, description;  // the origin's, when it is live; else empty
  uint64_t price = 0;              // the lowest of its sellers
  size_t sellers = 0;              // the origin, if live, and its relays
  bool origin_live = false;
  int64_t since = 0;                          // the earliest `since` of its sellers
  std::vector<std::string> income_addresses;  // its sellers' (not listed)
  uint64_t viewers = 0;  // open contracts on the stream with its sellers (set by the caller)

  json ToJson() const;
};

inline constexpr size_t kMaxTitleBytes = 100;
inline constexpr size_t kMaxDescriptionBytes = 1000;

class StreamRegistry {
 public:
  struct Limits {
    size_t max_total = 100000;        // announcements in all
    size_t max_per_broadcaster = 64;  // streams one key may announce
  };
  StreamRegistry() : StreamRegistry(Limits{}) {}
  explicit StreamRegistry(Limits limits) : m_limits(limits) {}

  // Adds or renews. Errors: kBusy when a limit is reached.
  Status Announce(Announcement a, int64_t now);
  // Removes one broadcaster's announcement of `stream` (if any).
  void Withdraw(const std::string& stream, const std::string& broadcaster);
  // Live announcements of `stream` (of `origin` only, when given), cheapest first.
  std::vector<Announcement> Lookup(const std::string& stream, int64_t now,
                                   const std::string& origin = "");
  size_t size(int64_t now);

  // What is live: how many streams, broadcasters and announcements, and the
  // first `limit` announcements by stream name, then broadcaster key.
  struct Listing {
    size_t streams = 0;
    size_t broadcasters = 0;
    size_t announcements = 0;
    std::vector<Announcement> first;
  };
  Listing List(int64_t now, size_t limit);

  // The live streams whose name or title contains `query` (ASCII letters
  // compared without case; empty: every stream), by name then origin: the
  // first `limit`, and how many matched in all. Walks every announcement.
  std::pair<std::vector<DirectoryEntry>, size_t> Directory(int64_t now, const std::string& query,
                                                           size_t limit);

 private:
  void DropExpired(int64_t now);

  Limits m_limits;
  std::mutex m_mutex;
  // stream -> broadcaster -> announcement
  std::map<std::string, std::map<std::string, Announcement>> m_streams;
  std::map<std::string, size_t> m_per_broadcaster;
  size_t m_total = 0;
  int64_t m_last_sweep = 0;
};

}  // namespace tollstream
