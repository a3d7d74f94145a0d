// The stream registry (stream_registry.h) in the ledger's PostgreSQL
// database, table `announcements`, shared by every tracker instance: a
// stream announced at one instance is looked up at any other.
//
// Lookup (what viewers buy from) reads the table each time. List and
// Directory (the dashboard, the metrics, `streams`) read a copy of every
// live announcement, taken at most once a second and again after this
// instance's own changes: an announcement made at another instance may
// reach them a second late, and however often `streams` is asked, the
// table is read once a second at most. The limits are checked before a new
// announcement is added: instances adding at the same moment may pass them
// by a few. Expired rows are deleted by Announce, at most once a second.
//
// Errors: kUnavailable while the database cannot be reached, kInternal for
// what else it refuses (pg_connection.h). Each instance's own clock says
// what has expired.
//
// Thread-safe.
#pragma once

#include <memory>
#include <mutex>

#include "tracker/pg/pg_pool.h"
#include "tracker/stream_registry.h"

namespace tollstream {

class PgStreamRegistry final : public StreamRegistry {
 public:
  // The connections it opens at most: its own, beside the ledger's, as an
  // announcement is added while the ledger's read holds one.
  static constexpr size_t kConnections = 4;

  explicit PgStreamRegistry(std::string url) : PgStreamRegistry(std::move(url), Limits{}) {}
  PgStreamRegistry(std::string url, Limits limits)
      : m_pool(std::move(url), kConnections), m_limits(limits) {}

  Status Announce(Announcement& a, int64_t now) override;
  Status Withdraw(const std::string& stream, const std::string& broadcaster) override;
  Result<std::vector<Announcement>> Lookup(const std::string& stream, int64_t now,
                                           const std::string& origin = "") override;
  Result<Listing> List(int64_t now, size_t limit) override;
  Result<Found> Directory(int64_t now, const std::string& query, size_t limit) override;

 private:
  // Adds `a` when no live announcement of its stream by its broadcaster is
  // there, within the limits.
  Status Add(PgConnection& db, Announcement& a, int64_t now);
  // Every live announcement, as of at most a second ago.
  Result<std::shared_ptr<MemoryStreamRegistry>> Copy(int64_t now);
  // Adds or renews `a` (Announce) on `db`.
  Status Put(PgConnection& db, Announcement& a, int64_t now);
  // `work(connection)` on a leased connection; run once more on a new one
  // when it failed because the connection was lost (a database restart
  // breaks every idle connection of the pool).
  template <typename Work>
  auto OnConnection(Work work) -> decltype(work(std::declval<PgConnection&>()));
  void Forget();

  PgPool m_pool;
  const Limits m_limits;
  std::mutex m_mutex;
  std::shared_ptr<MemoryStreamRegistry> m_copy;  // null: none or stale
  int64_t m_copied = 0;                          // `now` when m_copy was taken
  uint64_t m_generation = 0;                     // counts this instance's changes
  int64_t m_last_sweep = 0;
};

}  // namespace tollstream
