// Contract cycles (openContract then closeContract) as load on a tracker:
// requests signed in advance, sent by many client threads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <thread>

#include "common/base/clock.h"
#include "common/wire/signing.h"
#include "tests/bench/bench_util.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::bench {

struct Cycle {
  std::string open;   // a signed openContract body
  std::string close;  // a signed closeContract body
};

// A broadcaster-viewer pair with enough deposit for `cycles` contracts.
struct Pair {
  test::Party b, c;
  std::vector<Cycle> cycles;
};

// Signs `count` cycles for `p` (a broadcaster and a viewer whose spend and
// income addresses are `spend` and `income`), at `price` for up to `max_segments`.
inline void SignCycles(Pair& p, const PublicKey& tracker, const std::string& spend,
                       const std::string& income, uint64_t price, uint64_t max_segments,
                       size_t count) {
  for (size_t k = 0; k < count; ++k) {
    Contract contract = test::SignedContract(p.c, p.b, tracker, spend, income, price, max_segments,
                                             UnixNow() + 3600);
    Receipt receipt = test::SignedReceipt(p.c, contract, 1 + k % max_segments, 1'000'000);
    p.cycles.push_back(
        {SignRequest(p.b.key, "openContract", tracker, {{"contract", contract.ToJson()}}, UnixNow(),
                     RandomHex(16))
             .dump(),
         SignRequest(p.b.key, "closeContract", tracker,
                     {{"contract", ToHex(contract.id)}, {"receipt", receipt.ToJson()}}, UnixNow(),
                     RandomHex(16))
             .dump()});
  }
}

struct LoadResult {
  double seconds = 0;
  uint64_t cycles = 0;
  uint64_t failures = 0;
  uint64_t retries = 0;
  std::vector<double> latencies_ms;
};

// Each thread runs its pairs' cycles (open then close) for `seconds`; with
// `repeat` (for servers that keep no state) it starts over when they run out.
inline LoadResult RunLoad(const std::string& url, std::vector<Pair>& pairs, size_t threads,
                          double seconds, bool repeat = false) {
  std::atomic<uint64_t> cycles{0}, failures{0}, retries{0};
  std::vector<std::vector<double>> latencies(threads);
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  auto start = Clock::now();
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      httplib::Client http(url);
      http.set_tcp_nodelay(true);
      http.set_keep_alive(true);
      // A connection the server closed as the request went out is retried
      // once on a new one, as any client does (the tracker answers a
      // repeated request with its first answer).
      auto post = [&](const char* path, const std::string& body) {
        auto res = http.Post(path, body, "application/json");
        if (!res) {
          ++retries;
          res = http.Post(path, body, "application/json");
        }
        return res;
      };
      if (t >= pairs.size()) return;
      for (size_t p = t; !stop;) {
        for (const auto& cycle : pairs[p].cycles) {
          if (stop) break;
          auto begin = Clock::now();
          auto opened = post("/v1/openContract", cycle.open);
          auto closed = post("/v1/closeContract", cycle.close);
          if (!opened || !closed || opened->status != 200 || closed->status != 200) {
            if (failures++ == 0) {
              std::fprintf(
                  stderr, "cycle failed: %s %s\n",
                  opened ? opened->body.c_str() : httplib::to_string(opened.error()).c_str(),
                  closed ? closed->body.c_str() : httplib::to_string(closed.error()).c_str());
            }
            continue;
          }
          latencies[t].push_back(Seconds(Clock::now() - begin) * 1000);
          ++cycles;
        }
        p += threads;
        if (p >= pairs.size()) {
          if (!repeat) break;
          p = t;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  LoadResult r;
  r.seconds = Seconds(Clock::now() - start);
  r.cycles = cycles;
  r.failures = failures;
  r.retries = retries;
  for (auto& l : latencies) r.latencies_ms.insert(r.latencies_ms.end(), l.begin(), l.end());
  return r;
}

}  // namespace tollstream::bench
