#include "tracker/pg/pg_stream_registry.h"

#include "tracker/pg/pg_records.h"

namespace tollstream {
namespace {

constexpr const char* kColumns =
    "stream, broadcaster, origin, url, price, income_address, expires, since, title, description, "
    "renditions";

Announcement FromRow(const std::vector<PgParam>& row) {
  Announcement a;
  a.stream = row.at(0).value_or("");
  a.broadcaster = row.at(1).value_or("");
  a.origin = row.at(2).value_or("");
  a.url = row.at(3).value_or("");
  a.price = PgUnsigned(row.at(4));
  a.income_address = row.at(5).value_or("");
  a.expires = static_cast<int64_t>(PgUnsigned(row.at(6)));
  a.since = static_cast<int64_t>(PgUnsigned(row.at(7)));
  a.title = row.at(8).value_or("");
  a.description = row.at(9).value_or("");
  std::string renditions = row.at(10).value_or("");
  if (!renditions.empty()) a.renditions = json::parse(renditions, nullptr, false);
  if (a.renditions.is_discarded()) a.renditions = nullptr;
  return a;
}

// $1 … $11: the columns of `a` (kColumns), `since` set to `now`.
std::vector<PgParam> Params(const Announcement& a, int64_t now) {
  return {a.stream,
          a.broadcaster,
          a.origin,
          a.url,
          std::to_string(a.price),
          a.income_address,
          std::to_string(a.expires),
          std::to_string(now),
          a.title,
          a.description,
          a.renditions.is_null() ? std::string() : a.renditions.dump()};
}

}  // namespace

template <typename Work>
auto PgStreamRegistry::OnConnection(Work work) -> decltype(work(std::declval<PgConnection&>())) {
  for (int attempt = 0;; ++attempt) {
    {
      auto lease = m_pool.Acquire();
      if (!lease) return lease.error();
      auto done = work(**lease);
      if (done.ok() || (*lease)->connected() || attempt > 0) return done;
    }
    m_pool.Clear();  // the connection was lost: the database restarted, or all are broken
  }
}

Status PgStreamRegistry::Announce(Announcement& a, int64_t now) {
  return OnConnection([&](PgConnection& db) { return Put(db, a, now); });
}

Status PgStreamRegistry::Put(PgConnection& db, Announcement& a, int64_t now) {
  bool sweep = false;
  {
    std::lock_guard lock(m_mutex);
    sweep = now != m_last_sweep;
    m_last_sweep = now;
  }
  if (sweep) {
    auto swept = db.Exec("DELETE FROM announcements WHERE expires <= $1", {std::to_string(now)});
    if (!swept) return swept.error();
  }
  // A renewal: everything but `since`.
  auto renewed = db.Exec(
      "UPDATE announcements SET origin = $3, url = $4, price = $5, income_address = $6, "
      "expires = $7, title = $9, description = $10, renditions = $11 "
      "WHERE stream = $1 AND broadcaster = $2 AND expires > $8 RETURNING since",
      Params(a, now));
  if (!renewed) return renewed.error();
  if (!renewed->rows.empty()) a.since = static_cast<int64_t>(PgUnsigned(renewed->rows[0].at(0)));
  Status added = renewed->rows.empty() ? Add(db, a, now) : Status::Ok();
  Forget();
  return added;
}

Status PgStreamRegistry::Add(PgConnection& db, Announcement& a, int64_t now) {
  auto counts = db.Exec(
      "SELECT count(*), count(*) FILTER (WHERE broadcaster = $2) FROM announcements "
      "WHERE expires > $1",
      {std::to_string(now), a.broadcaster});
  if (!counts) return counts.error();
  const auto& row = counts->rows.at(0);
  if (PgUnsigned(row.at(0)) >= m_limits.max_total) {
    return MakeError(ErrorCode::kBusy, "the tracker holds as many announcements as it accepts");
  }
  if (PgUnsigned(row.at(1)) >= m_limits.max_per_broadcaster) {
    return MakeError(
        ErrorCode::kBusy,
        "this key announces " + std::to_string(m_limits.max_per_broadcaster) + " streams already");
  }
  // Over an expired row, or one added meanwhile (whose `since` is kept).
  auto added = db.Exec(
      std::string("INSERT INTO announcements (") + kColumns +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
          "ON CONFLICT (stream, broadcaster) DO UPDATE SET origin = $3, url = $4, price = $5, "
          "income_address = $6, expires = $7, title = $9, description = $10, renditions = $11, "
          "since = CASE WHEN announcements.expires > $8 THEN announcements.since ELSE $8 END "
          "RETURNING since",
      Params(a, now));
  if (!added) return added.error();
  a.since = static_cast<int64_t>(PgUnsigned(added->rows.at(0).at(0)));
  return Status::Ok();
}

Status PgStreamRegistry::Withdraw(const std::string& stream, const std::string& broadcaster) {
  auto gone = OnConnection([&](PgConnection& db) {
    return db.Exec("DELETE FROM announcements WHERE stream = $1 AND broadcaster = $2",
                   {stream, broadcaster});
  });
  if (!gone) return gone.error();
  Forget();
  return Status::Ok();
}

Result<std::vector<Announcement>> PgStreamRegistry::Lookup(const std::string& stream, int64_t now,
                                                           const std::string& origin) {
  auto rows = OnConnection([&](PgConnection& db) {
    return db.Exec(std::string("SELECT ") + kColumns +
                       " FROM announcements WHERE stream = $1 AND expires > $2 AND "
                       "($3 = '' OR origin = $3) ORDER BY price, broadcaster COLLATE \"C\"",
                   {stream, std::to_string(now), origin});
  });
  if (!rows) return rows.error();
  std::vector<Announcement> out;
  for (const auto& row : rows->rows) out.push_back(FromRow(row));
  return out;
}

Result<std::shared_ptr<MemoryStreamRegistry>> PgStreamRegistry::Copy(int64_t now) {
  uint64_t generation = 0;
  {
    std::lock_guard lock(m_mutex);
    if (m_copy && m_copied == now) return m_copy;
    generation = m_generation;
  }
  auto rows = OnConnection([&](PgConnection& db) {
    return db.Exec(std::string("SELECT ") + kColumns + " FROM announcements WHERE expires > $1",
                   {std::to_string(now)});
  });
  if (!rows) return rows.error();
  Limits unlimited{SIZE_MAX, SIZE_MAX};
  auto copy = std::make_shared<MemoryStreamRegistry>(unlimited);
  for (const auto& row : rows->rows) copy->Restore(FromRow(row));
  std::lock_guard lock(m_mutex);
  if (m_generation == generation) {  // else a change of ours came meanwhile: not kept
    m_copy = copy;
    m_copied = now;
  }
  return copy;
}

void PgStreamRegistry::Forget() {
  std::lock_guard lock(m_mutex);
  m_copy.reset();
  ++m_generation;
}

Result<StreamRegistry::Listing> PgStreamRegistry::List(int64_t now, size_t limit) {
  auto copy = Copy(now);
  if (!copy) return copy.error();
  return (*copy)->List(now, limit);
}

Result<StreamRegistry::Found> PgStreamRegistry::Directory(int64_t now, const std::string& query,
                                                          size_t limit) {
  auto copy = Copy(now);
  if (!copy) return copy.error();
  return (*copy)->Directory(now, query, limit);
}

}  // namespace tollstream
