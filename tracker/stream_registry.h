// Live broadcasters by stream, as announced (seed 000: a registration that
// lives for a time-to-live and is renewed by keepalive). Soft state: a
// broadcaster announces again before its time-to-live ends. Kept in memory
// (MemoryStreamRegistry, beside a LevelDB ledger: lost at a restart, then
// announced again) or in the ledger's database, shared by every tracker
// instance (pg/pg_stream_registry.h).
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
  // The renditions sold, the top one first: [{name, height, bitrate,
  // price}, …] as announced (null: one quality at `price`).
  json renditions;

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

// Errors (of a registry in a database): kUnavailable while it cannot be
// reached, kInternal for what else it refuses.
class StreamRegistry {
 public:
  struct Limits {
    size_t max_total = 100000;        // announcements in all
    size_t max_per_broadcaster = 64;  // streams one key may announce
  };
  virtual ~StreamRegistry() = default;

  // Adds or renews, and sets `a.since`: `now`, or for a renewal, when it
  // was first announced. Errors: kBusy when a limit is reached.
  virtual Status Announce(Announcement& a, int64_t now) = 0;
  // Removes one broadcaster's announcement of `stream` (if any).
  virtual Status Withdraw(const std::string& stream, const std::string& broadcaster) = 0;
  // Live announcements of `stream` (of `origin` only, when given), cheapest
  // first, then by broadcaster key.
  virtual Result<std::vector<Announcement>> Lookup(const std::string& stream, int64_t now,
                                                   const std::string& origin = "") = 0;

  // What is live: how many streams, broadcasters and announcements, and the
  // first `limit` announcements by stream name, then broadcaster key.
  struct Listing {
    size_t streams = 0;
    size_t broadcasters = 0;
    size_t announcements = 0;
    std::vector<Announcement> first;
  };
  virtual Result<Listing> List(int64_t now, size_t limit) = 0;

  // The live streams whose name or title contains `query` (ASCII letters
  // compared without case; empty: every stream), by name then origin: the
  // first `limit`, and how many matched in all. Walks every announcement.
  using Found = std::pair<std::vector<DirectoryEntry>, size_t>;
  virtual Result<Found> Directory(int64_t now, const std::string& query, size_t limit) = 0;
};

// The registry in this process's memory.
class MemoryStreamRegistry final : public StreamRegistry {
 public:
  MemoryStreamRegistry() : MemoryStreamRegistry(Limits{}) {}
  explicit MemoryStreamRegistry(Limits limits) : m_limits(limits) {}

  Status Announce(Announcement& a, int64_t now) override;
  Status Withdraw(const std::string& stream, const std::string& broadcaster) override;
  Result<std::vector<Announcement>> Lookup(const std::string& stream, int64_t now,
                                           const std::string& origin = "") override;
  Result<Listing> List(int64_t now, size_t limit) override;
  Result<Found> Directory(int64_t now, const std::string& query, size_t limit) override;

  // Adds `a` as it is, `since` included, past any limit: a copy of
  // announcements kept elsewhere, to list them.
  void Restore(Announcement a);

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
