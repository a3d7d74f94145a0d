#include <doctest/doctest.h>

#include <thread>

#include "common/kv_store.h"
#include "tests/support/temp_dir.h"
#include "common/commit_pipeline.h"

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
          seq = *pipeline.Submit({{"counter", std::to_string(n + 1)},
                                  {"t" + std::to_string(t), std::to_string(i)}});
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

}  // namespace tollstream::test
