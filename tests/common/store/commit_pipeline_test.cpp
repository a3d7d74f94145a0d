#include "common/store/commit_pipeline.h"

#include <doctest/doctest.h>
#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/store/kv_store.h"
#include "common/store/short_slice.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {

TEST_CASE("submitted changes are readable at once and durable after the wait") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  {
    CommitPipeline pipeline(*store);
    auto seq = pipeline.Submit({{"a", "1"}, {"b", "2"}});
    REQUIRE(seq.ok());
    CHECK(pipeline.Read("a")->value() == "1");
    auto seq2 = pipeline.Submit({{"a", std::nullopt}});
    CHECK_FALSE(pipeline.Read("a")->has_value());
    REQUIRE(pipeline.WaitDurable(*seq2).ok());
    CHECK_FALSE(store->Get("a")->has_value());
    CHECK(store->Get("b")->value() == "2");
    CHECK(pipeline.Read("b")->value() == "2");
  }
}

TEST_CASE("many concurrent submitters share synced writes and keep their order") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  CommitPipeline pipeline(*store);
  std::mutex order;  // stands for the ledger lock: submissions are serialized
  constexpr int kThreads = 16, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        uint64_t seq;
        {
          std::lock_guard lock(order);
          auto current = pipeline.Read("counter");
          int n = current->has_value() ? std::stoi(**current) : 0;
          seq = *pipeline.Submit(
              {{"counter", std::to_string(n + 1)}, {"t" + std::to_string(t), std::to_string(i)}});
        }
        REQUIRE(pipeline.WaitDurable(seq).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(store->Get("counter")->value() == std::to_string(kThreads * kEach));
  auto stats = pipeline.stats();
  CHECK(stats.changes == kThreads * kEach);
  CHECK(stats.groups < stats.changes);  // writes were grouped
  MESSAGE("changes ", stats.changes, " in ", stats.groups, " synced writes");
}

// The gather bound is far longer than any test may take: a writer that
// waited it out would show as a wait of more than half of it.
constexpr auto kLongGather = std::chrono::seconds(60);

bool WrittenWellWithinGather(CommitPipeline& pipeline, uint64_t seq) {
  auto begin = std::chrono::steady_clock::now();
  bool ok = pipeline.WaitDurable(seq).ok();
  return ok && std::chrono::steady_clock::now() - begin < kLongGather / 2;
}

TEST_CASE("a change that nobody announced is written at once, whatever the gather time") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  CommitPipeline pipeline(*store, kLongGather);
  auto seq = pipeline.Submit({{"a", "1"}});
  REQUIRE(seq.ok());
  CHECK(WrittenWellWithinGather(pipeline, *seq));
}

TEST_CASE("the writer holds a group back for an announced change, which then joins it") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  CommitPipeline pipeline(*store, kLongGather);
  auto coming = pipeline.Announce();
  auto first = pipeline.Submit({{"a", "1"}});
  REQUIRE(first.ok());
  std::this_thread::sleep_for(
      std::chrono::milliseconds(50));  // time for a writer that does not wait
  CHECK(pipeline.stats().groups == 0);
  CHECK_FALSE(store->Get("a")->has_value());
  auto second = pipeline.Submit({{"b", "2"}}, &coming);
  REQUIRE(second.ok());
  CHECK(WrittenWellWithinGather(pipeline, *second));
  CHECK(pipeline.stats().groups == 1);
  CHECK(pipeline.stats().changes == 2);
  CHECK(store->Get("a")->value() == "1");
}

TEST_CASE("an announcement released without a change ends the wait") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  CommitPipeline pipeline(*store, kLongGather);
  std::optional<CommitPipeline::Announcement> coming(pipeline.Announce());
  auto other = pipeline.Announce();
  auto seq = pipeline.Submit({{"a", "1"}});
  REQUIRE(seq.ok());
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    other.Release();
    other.Release();  // a second release changes nothing
    coming.reset();   // and so does destruction
  });
  CHECK(WrittenWellWithinGather(pipeline, *seq));
  release.join();
  CHECK(pipeline.stats().groups == 1);
}

TEST_CASE(
    "a write that fails wakes its waiters with the error, and refuses every change after it") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  // Files may not grow past 1 MB from now on: a 2 MB change cannot be logged.
  rlimit before{};
  REQUIRE(getrlimit(RLIMIT_FSIZE, &before) == 0);
  rlimit small = before;
  small.rlim_cur = 1 << 20;
  auto old_handler = signal(SIGXFSZ, SIG_IGN);  // the write fails (EFBIG) instead of the process
  REQUIRE(setrlimit(RLIMIT_FSIZE, &small) == 0);
  {
    CommitPipeline pipeline(*store, kLongGather);
    auto coming = pipeline.Announce();  // holds the group until the waiter waits
    auto seq = pipeline.Submit({{"big", std::string(2 << 20, 'x')}});
    REQUIRE(seq.ok());
    Status waited = Status::Ok();
    std::thread waiter([&] { waited = pipeline.WaitDurable(*seq); });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    coming.Release();
    waiter.join();
    CHECK_FALSE(waited.ok());
    CHECK_FALSE(pipeline.Submit({{"a", "1"}}).ok());
    CHECK_FALSE(pipeline.WaitDurable(*seq).ok());
  }
  REQUIRE(setrlimit(RLIMIT_FSIZE, &before) == 0);
  signal(SIGXFSZ, old_handler);
  CHECK_FALSE(store->Get("big")->has_value());
}

// The threads of this process whose slice, as /proc reports it, is `slice`.
int ThreadsWithSlice(std::chrono::microseconds slice) {
  int found = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream sched(task.path() / "sched");
    for (std::string line; std::getline(sched, line);) {
      if (line.starts_with("se.slice") &&
          std::stoll(line.substr(line.find(':') + 1)) == std::chrono::nanoseconds(slice).count()) {
        ++found;
      }
    }
  }
  return found;
}

TEST_CASE("the writer thread runs with a short slice") {
  TempDir dir;
  auto store = std::move(*KvStore::Open(dir / "db"));
  int before = ThreadsWithSlice(kShortSlice);
  CommitPipeline pipeline(*store);
  auto seq = pipeline.Submit({{"a", "1"}});
  REQUIRE(pipeline.WaitDurable(*seq).ok());  // the writer has run
  bool settable = false;
  std::thread([&] { settable = RequestShortSlice(); }).join();
  if (!settable) {
    MESSAGE("this kernel does not let a thread set its slice");
    return;
  }
  CHECK(ThreadsWithSlice(kShortSlice) >= before + 1);
}

}  // namespace tollstream::test
