// Group commit with read-your-writes, and recovery from a failed write.
//
// Changes get a total order when submitted. A submitted change is visible at
// once to Read(), and becomes durable later, when a background thread writes
// every change queued so far as one synced LevelDB batch. Batches reach the
// disk in submission order, so a change is never durable before one
// submitted earlier. Callers that build a change from what they Read (a
// ledger) serialize their read-then-submit steps under a lock of their own.
//
// A sync costs the same CPU whatever it carries, so on a busy server small
// groups waste it. A caller that knows a change is on its way announces it
// (Announce, before its slow part: parsing, checking signatures); while
// announced changes are outstanding, the writer holds the next group back,
// for at most `gather`, so that they join it. With nothing announced it
// writes at once: a lone change never waits.
//
// A write that fails (a full disk, an I/O error) ends an epoch: every change
// not yet on disk is dropped, never to be written (the failed group and
// those queued behind it, which may have read it), and so are reads that
// may have seen them. Their waiters are told the change was not applied
// (kUnavailable), except when the store cannot tell: a failed sync after
// the group was written whole (kInternal, "outcome unknown"; its records
// read as failed too until the store is reopened, which settles it). Until
// the store works again, changes are refused (kUnavailable) and reads see
// what is on disk. Every `retry` the writer reopens the store (KvStore::
// Reopen) and writes an empty synced batch; once both succeed, changes are
// accepted again.
//
// The writer thread asks for a short time slice (common/store/short_slice.h), so
// that it runs as soon as a sync completes, even on busy cores.
//
// Thread-safe: every method may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/base/result.h"
#include "common/store/kv_store.h"

namespace tollstream {

struct KvWrite {
  std::string key;
  std::optional<std::string> value;  // nullopt deletes
};

class CommitPipeline {
 public:
  explicit CommitPipeline(KvStore& store, std::chrono::microseconds gather = {},
                          std::chrono::milliseconds retry = std::chrono::seconds(1));
  // Writes what is queued, then stops the thread.
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // The newest submitted value of `key` (durable or not), or nullopt.
  // Errors: those of the store; kInternal while a change to `key` has an
  // unknown outcome.
  Result<std::optional<std::string>> Read(std::string_view key) const;

  // The epoch reads are made in now; a failed write ends it.
  uint64_t epoch() const;

  // A change on its way. It counts until submitted (Submit with it),
  // released, or destroyed.
  class Announcement {
   public:
    Announcement(Announcement&& other) noexcept
        : m_pipeline(std::exchange(other.m_pipeline, nullptr)) {}
    Announcement& operator=(Announcement&&) = delete;
    ~Announcement() { Release(); }
    void Release();

   private:
    friend class CommitPipeline;
    explicit Announcement(CommitPipeline* pipeline) : m_pipeline(pipeline) {}
    CommitPipeline* m_pipeline;
  };
  Announcement Announce();

  // Queues `writes` as one atomic change; returns its sequence number.
  // `fulfils`, when given, is the announcement of this change: released.
  // `read_in`, when given, is the epoch the change was built in (from
  // reads): a change built from reads of an ended epoch is refused.
  // Errors: kUnavailable while the store is failed, or the epoch ended.
  Result<uint64_t> Submit(std::vector<KvWrite> writes, Announcement* fulfils = nullptr,
                          std::optional<uint64_t> read_in = std::nullopt);

  // Returns once change `seq` (and every change before it) is on disk.
  // Errors: kUnavailable: it was not applied, and never will be;
  // kInternal: its outcome is unknown (a sync failed).
  Status WaitDurable(uint64_t seq);

  // For reads made in `epoch`: returns once everything they could have
  // seen is on disk. Errors: kUnavailable when the epoch ended meanwhile
  // (they may have seen a dropped change); those of WaitDurable.
  Status WaitReadDurable(uint64_t epoch);

  uint64_t last_submitted() const;

  struct Stats {
    uint64_t groups = 0;   // synced writes
    uint64_t changes = 0;  // changes in them
  };
  Stats stats() const;

  struct Health {
    bool ok = true;         // false from a failed write until the store works again
    std::string error;      // the last failure ("" if none)
    uint64_t failures = 0;  // failed writes since start
  };
  Health health() const;

 private:
  struct Pending {
    uint64_t seq;
    std::vector<KvWrite> writes;
  };
  struct OverlayEntry {
    uint64_t seq;
    std::optional<std::string> value;
  };
  // Changes dropped by a failure: (from, to]; those up to `unknown_to` may
  // have been written.
  struct Dropped {
    uint64_t from;
    uint64_t to;
    uint64_t unknown_to;
    std::string why;
  };

  void Run();
  // The writer, after `group` failed to be written: drops what is not
  // durable, wakes its waiters.
  void Fail(const std::deque<Pending>& group, const Error& error);
  // The writer, while failed: reopens the store until a write succeeds.
  // False if the pipeline stops first.
  bool Recover();
  // Under m_mutex: the error for `seq` if a failure dropped it.
  std::optional<Error> DroppedError(uint64_t seq) const;
  // Under m_mutex: one announcement fewer; wakes a writer waiting for it.
  void Unannounce();

  // A thread in WaitDurable, woken only once its change is written (or the
  // write failed). The writer takes it out of m_waiters, then sets `done`
  // under its own mutex: the waiter goes on without m_mutex, so a group's
  // waiters do not queue up on it as they wake.
  struct Waiter {
    uint64_t seq;
    std::mutex mutex;
    std::condition_variable cv;
    bool done = false;
    std::optional<Error> failure;
  };
  // Wakes `ready` (taken out of m_waiters); `failure` when the write failed.
  static void Wake(const std::vector<Waiter*>& ready, const std::optional<Error>& failure);

  KvStore& m_store;
  const std::chrono::microseconds m_gather;
  const std::chrono::milliseconds m_retry;
  mutable std::mutex m_mutex;
  std::condition_variable m_queued;
  std::multimap<uint64_t, Waiter*> m_waiters;  // by the change they wait for
  std::deque<Pending> m_queue;
  std::unordered_map<std::string, OverlayEntry> m_overlay;
  uint64_t m_submitted = 0;
  uint64_t m_readable = 0;  // the newest change Read can show in this epoch
  uint64_t m_epoch = 0;
  uint64_t m_announced = 0;
  bool m_gathering = false;  // the writer waits for announced changes
  uint64_t m_durable_seq = 0;
  std::optional<Error> m_failure;              // set while the store is failed
  std::unordered_set<std::string> m_in_doubt;  // keys of a change of unknown outcome
  std::vector<Dropped> m_dropped;
  uint64_t m_failures = 0;
  std::string m_last_error;
  bool m_stopping = false;
  Stats m_stats;
  std::thread m_thread;
};

}  // namespace tollstream
