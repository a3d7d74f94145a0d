// The tracker pool runs calls side by side, never with more clients than its
// size, each client serving one call at a time; against a real tracker.
#include "common/client/tracker_pool.h"

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/protocol/address.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

TEST_CASE("calls run side by side, up to the pool's size") {
  TrackerFixture t;
  KeyPair key = KeyPair::Generate();
  TrackerPool pool(t.NewClient(key), 4);
  CHECK(pool.made() == 1);

  std::atomic<int> inside{0};
  std::atomic<int> most{0};
  std::atomic<int> answered{0};
  std::mutex clients_mutex;
  std::set<const TrackerClient*> clients;
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 5; ++j) {
        pool.Use([&](TrackerClient& c) {
          int now = ++inside;
          int seen = most.load();
          while (now > seen && !most.compare_exchange_weak(seen, now)) {
          }
          {
            std::lock_guard lock(clients_mutex);
            clients.insert(&c);
          }
          // Long enough that callers overlap.
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          auto r = c.Call("account", {{"address", AddressOf(key.public_key())}});
          if (r) ++answered;
          --inside;
        });
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(answered == 60);
  CHECK(most.load() == 4);  // side by side, never more than four
  CHECK(pool.made() == 4);
  CHECK(clients.size() == 4);
  CHECK(pool.tracker() == *t.NewClient()->tracker());
}

}  // namespace tollstream::test
