// Group commit with read-your-writes.
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
  explicit CommitPipeline(KvStore& store, std::chrono::microseconds gather = {});
  // Writes what is queued, then stops the thread.
  ~CommitPipeline();
  CommitPipeline(const CommitPipeline&) = delete;
  CommitPipeline& operator=(const CommitPipeline&) = delete;

  // The newest submitted value of `key` (durable or not), or nullopt.
  Result<std::optional<std::string>> Read(std::string_view key) const;

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
  // Errors: kUnavailable once a write to disk has failed.
  Result<uint64_t> Submit(std::vector<KvWrite> writes, Announcement* fulfils = nullptr);

  // Returns once change `seq` (and every change before it) is on disk.
  // Errors: kUnavailable when the write failed.
  Status WaitDurable(uint64_t seq);

  uint64_t last_submitted() const;

  struct Stats {
    uint64_t groups = 0;   // synced writes
    uint64_t changes = 0;  // changes in them
  };
  Stats stats() const;

 private:
  struct Pending {
    uint64_t seq;
    std::vector<KvWrite> writes;
  };
  struct OverlayEntry {
    uint64_t seq;
    std::optional<std::string> value;
  };

  void Run();
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
  mutable std::mutex m_mutex;
  std::condition_variable m_queued;
  std::multimap<uint64_t, Waiter*> m_waiters;  // by the change they wait for
  std::deque<Pending> m_queue;
  std::unordered_map<std::string, OverlayEntry> m_overlay;
  uint64_t m_submitted = 0;
  uint64_t m_announced = 0;
  bool m_gathering = false;  // the writer waits for announced changes
  uint64_t m_durable_seq = 0;
  std::optional<Error> m_failure;
  bool m_stopping = false;
  Stats m_stats;
  std::thread m_thread;
};

}  // namespace tollstream
