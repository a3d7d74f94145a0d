// Contract cycles (openContract then closeContract) as load on a tracker:
// requests signed in advance, sent by many client threads.
#pragma once

#include <httplib.h>

#include <atomic>
#include <optional>
#include <sstream>
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

// `count` pairs ready for load on the tracker at `url`, whose key is
// `tracker_key`: each viewer minted a deposit for `cycles` cycles at `price`
// for up to `max_segments` segments, its spend address and the
// broadcaster's income address made, and `cycles` cycles signed for each
// pair (on every core). Empty when the tracker refuses a step.
inline std::optional<std::vector<Pair>> MakePairs(const std::string& url,
                                                  const KeyPair& tracker_key, size_t count,
                                                  size_t cycles, uint64_t price,
                                                  uint64_t max_segments) {
  TrackerClient op(url, tracker_key);
  if (!op.Handshake()) return std::nullopt;
  PublicKey tk = *op.tracker();
  std::vector<Pair> pairs(count);
  for (auto& p : pairs) {
    for (test::Party* party : {&p.b, &p.c}) {
      party->client = std::make_unique<TrackerClient>(url, party->key);
      if (!party->client->Handshake()) return std::nullopt;
    }
    uint64_t deposit = price * (max_segments + 1) * cycles;  // locks and charges
    if (!op.Call("mint", {{"to", p.c.address()}, {"amount", deposit}})) return std::nullopt;
    if (!p.c.client->Call("getSpendAddress", {{"deposit", deposit}})) return std::nullopt;
    if (!p.b.client->Call("getIncomeAddress", json::object())) return std::nullopt;
  }
  std::vector<std::thread> signers;
  size_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (size_t s = 0; s < cores; ++s) {
    signers.emplace_back([&, s] {
      for (size_t i = s; i < pairs.size(); i += cores) {
        Pair& p = pairs[i];
        std::string spend = (*p.c.client->Call("getSpendAddress", {{"deposit", 0}}))["address"];
        std::string income = (*p.b.client->Call("getIncomeAddress", json::object()))["address"];
        SignCycles(p, tk, spend, income, price, max_segments, cycles);
      }
    });
  }
  for (auto& s : signers) s.join();
  return pairs;
}

// A gauge (or counter) of the tracker's /metrics at `url`, or -1 when it
// cannot be read.
inline double ScrapeGauge(const std::string& url, const std::string& name) {
  httplib::Client http(url);
  auto res = http.Get("/metrics");
  if (!res || res->status != 200) return -1;
  std::istringstream lines(res->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
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
