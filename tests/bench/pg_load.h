// Contract cycles through trackers whose ledger is in PostgreSQL, on a
// throw-away cluster of this machine: one `tracker run` instance, then two
// sharing one database and key (the clients split between them); for each,
// the change retries per change and the CPU that the trackers and the
// database's server processes spend on a cycle; beside them, in the same
// run and on the same cluster, the database's own commit rate (pgbench).
//
// Two instances on one 2-core machine share its cores with the database and
// the clients, so they cannot show how throughput scales. The expected
// scaling comes from the CPU split of the one-instance run instead: with
// each tracker on its own machine of C cores and the database on one more,
//
//   expected cycles/s with N instances = min(N * C * 1000 / t, C * 1000 / d)
//
// where t and d are the CPU milliseconds a cycle costs the tracker and the
// database. Each added instance adds C * 1000 / t cycles a second until the
// database's CPU saturates, after t / d instances. It assumes the clients
// keep every instance busy, and that the database's disk commits as fast as
// its CPU allows (pgbench's commit rate is the check on that).
#pragma once

#include <sys/types.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/cli/key_file.h"
#include "tests/bench/bench_util.h"
#include "tests/bench/cycle_load.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream::bench {

struct PgLoadOptions {
  size_t threads = 8;            // client threads, split between the instances
  size_t pairs = 16;             // broadcaster-viewer pairs, split the same way
  size_t cycles_per_pair = 200;  // signed before the load; more than it uses
  double seconds = 1;            // of load, and of pgbench
  uint64_t price = 1, max_segments = 10;
};

// CPU seconds the cluster whose server process is `postmaster` has used:
// the server's own, its children's that have ended, and those of the
// children still running (backends, pgbench's, and the background workers).
inline double ClusterCpuSeconds(pid_t postmaster) {
  double total = ProcessCpuSeconds(postmaster, /*reaped=*/true);
  if (total < 0) throw std::runtime_error("cannot read the CPU time of PostgreSQL's server");
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t parent = 0;
    double cpu = ProcessCpuSeconds(static_cast<pid_t>(std::stol(name)), false, &parent);
    if (cpu >= 0 && parent == postmaster) total += cpu;
  }
  return total;
}

// The process id of the cluster's server (its postmaster.pid says it).
inline pid_t PostmasterPid(const test::PgCluster& cluster) {
  std::string data = cluster.Psql("SHOW data_directory");
  data.erase(data.find_last_not_of(" \n") + 1);
  std::ifstream in(data + "/postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) throw std::runtime_error("cannot read " + data + "/postmaster.pid");
  return static_cast<pid_t>(pid);
}

// A URL of database `name` of the cluster.
inline std::string DatabaseUrl(const test::PgCluster& cluster, const std::string& name) {
  return "postgresql://tollstream@127.0.0.1:" + std::to_string(cluster.port()) + "/" + name;
}

// pgbench's transactions a second on a new database of the cluster (scale
// 1; -N: without the updates of the few branch and teller rows that every
// transaction would wait for; 8 clients on 2 threads) for `seconds`, at
// least 1. Throws when pgbench is missing or fails.
inline double PgbenchTps(const test::PgCluster& cluster, double seconds) {
  std::string version = cluster.Psql("SHOW server_version_num");
  std::string bin = "/usr/lib/postgresql/" + std::to_string(std::stol(version) / 10000) + "/bin";
  std::string pgbench = bin + "/pgbench";
  if (::access(pgbench.c_str(), X_OK) != 0)
    throw std::runtime_error(pgbench + " is missing (scripts/setup postgres)");
  cluster.Psql("CREATE DATABASE pgbench");
  std::string url = DatabaseUrl(cluster, "pgbench");
  auto [init_status, init_out] = test::RunCommand({pgbench, "-i", "-q", "-s", "1", url});
  if (init_status != 0) throw std::runtime_error("pgbench -i failed: " + init_out);
  long whole = std::max(1L, std::lround(seconds));
  auto [status, out] =
      test::RunCommand({pgbench, "-N", "-c", "8", "-j", "2", "-T", std::to_string(whole), url},
                       std::chrono::seconds(whole + 60));
  size_t at = out.find("tps = ");
  if (status != 0 || at == std::string::npos) throw std::runtime_error("pgbench failed: " + out);
  return std::stod(out.substr(at + 6));
}

// One load on the instances `trackers` serving one ledger, the pairs and
// the client threads split evenly between them, with the CPU of the
// trackers and of the cluster and the trackers' change retries across it.
struct PgRun {
  LoadResult load;  // all instances' cycles; seconds: the longest load's
  double tracker_cpu_s = 0, db_cpu_s = 0, retries = 0;
};

inline PgRun RunSplitLoad(const std::vector<std::unique_ptr<test::TrackerProcess>>& trackers,
                          std::vector<Pair>& pairs, size_t threads, double seconds,
                          pid_t postmaster) {
  size_t n = trackers.size();
  std::vector<std::vector<Pair>> parts(n);
  for (size_t i = 0; i < pairs.size(); ++i) parts[i % n].push_back(std::move(pairs[i]));
  auto totals = [&] {
    double cpu = 0, retries = 0;
    for (const auto& t : trackers) {
      double used = ProcessCpuSeconds(t->process.pid());
      double retried = ScrapeGauge(t->url, "tollstream_tracker_change_retries");
      if (used < 0 || retried < 0)
        throw std::runtime_error("cannot read a tracker's CPU or retries");
      cpu += used;
      retries += retried;
    }
    return std::tuple(cpu, retries, ClusterCpuSeconds(postmaster));
  };
  auto [cpu_before, retries_before, db_before] = totals();
  std::vector<LoadResult> results(n);
  std::vector<std::thread> loads;
  for (size_t i = 0; i < n; ++i) {
    loads.emplace_back(
        [&, i] { results[i] = RunLoad(trackers[i]->url, parts[i], threads / n, seconds); });
  }
  for (auto& l : loads) l.join();
  auto [cpu_after, retries_after, db_after] = totals();
  PgRun run;
  for (auto& r : results) {
    run.load.seconds = std::max(run.load.seconds, r.seconds);
    run.load.cycles += r.cycles;
    run.load.failures += r.failures;
    run.load.retries += r.retries;
    run.load.latencies_ms.insert(run.load.latencies_ms.end(), r.latencies_ms.begin(),
                                 r.latencies_ms.end());
  }
  run.tracker_cpu_s = cpu_after - cpu_before;
  run.db_cpu_s = db_after - db_before;
  run.retries = retries_after - retries_before;
  return run;
}

// `count` instances of `tracker run` with one key on a new database `name`
// of the cluster (each with its own data directory under `dir`), under one
// load; the fields of the result with `suffix` (e.g. "_1") on each name.
inline json PgInstancesRun(const test::PgCluster& cluster, const test::TempDir& dir,
                           const std::string& name, size_t count, const PgLoadOptions& o,
                           pid_t postmaster, const std::string& suffix) {
  cluster.Psql("CREATE DATABASE " + name);
  std::string store = DatabaseUrl(cluster, name);
  std::string first = dir / (name + "0");
  auto [status, out] = test::RunCommand(
      {test::BinaryPath("tracker"), "init", "--data-dir", first, "--store", store});
  if (status != 0) throw std::runtime_error("tracker init --store failed: " + out);
  std::vector<std::unique_ptr<test::TrackerProcess>> trackers;
  for (size_t i = 0; i < count; ++i) {
    std::string data_dir = dir / (name + std::to_string(i));
    if (i > 0) {
      std::filesystem::create_directories(data_dir);
      std::filesystem::copy_file(first + "/tracker.key", data_dir + "/tracker.key");
    }
    trackers.push_back(std::make_unique<test::TrackerProcess>(
        data_dir, std::vector<std::string>{"--store", store}));
  }
  KeyPair key = *LoadKeyFile(first + "/tracker.key");
  auto pairs =
      MakePairs(trackers[0]->url, key, o.pairs, o.cycles_per_pair, o.price, o.max_segments);
  if (!pairs) throw std::runtime_error("the pairs could not be set up at " + trackers[0]->url);
  std::cerr << "tracker_bench: load on " << count << " tracker(s) on PostgreSQL for " << o.seconds
            << " s" << std::endl;
  PgRun run = RunSplitLoad(trackers, *pairs, o.threads, o.seconds, postmaster);
  auto [audit_status, audit_out] =
      test::RunCommand({test::BinaryPath("tracker"), "audit", "--store", store});
  if (audit_status != 0) std::cerr << "tracker_bench: audit failed: " << audit_out << std::endl;
  double cycles = static_cast<double>(run.load.cycles);
  double per_cycle_ms = cycles > 0 ? 1000 / cycles : 0;
  return {{"cycles_per_s" + suffix, cycles / run.load.seconds},
          {"p50_ms" + suffix, Percentile(run.load.latencies_ms, 50)},
          {"p99_ms" + suffix, Percentile(run.load.latencies_ms, 99)},
          // Each cycle is two changes (openContract, closeContract).
          {"change_retries" + suffix, run.retries},
          {"retries_per_change" + suffix, cycles > 0 ? run.retries / (2 * cycles) : 0},
          {"tracker_cpu_ms_per_cycle" + suffix, run.tracker_cpu_s * per_cycle_ms},
          {"pg_cpu_ms_per_cycle" + suffix, run.db_cpu_s * per_cycle_ms},
          {"failures" + suffix, run.load.failures},
          {"audit_ok" + suffix, audit_status == 0}};
}

// The whole PostgreSQL measurement: reports tracker.pg_cycles; 0 when every
// cycle succeeded and both ledgers passed their audit. Throws when
// PostgreSQL is not installed or a step fails, saying which.
inline int PgBench(const PgLoadOptions& o) {
  test::PgCluster cluster;
  pid_t postmaster = PostmasterPid(cluster);
  test::TempDir dir;
  json r = PgInstancesRun(cluster, dir, "one", 1, o, postmaster, "_1");
  r.update(PgInstancesRun(cluster, dir, "two", 2, o, postmaster, "_2"));
  std::cerr << "tracker_bench: pgbench on the same cluster for " << o.seconds << " s" << std::endl;
  r["pgbench_tps"] = PgbenchTps(cluster, o.seconds);
  r["pgbench_clients"] = 8;
  r["clients"] = o.threads;
  // The expected scaling (see the top of this file), from the one-instance run.
  double cores = std::max(1u, std::thread::hardware_concurrency());
  double t = r["tracker_cpu_ms_per_cycle_1"], d = r["pg_cpu_ms_per_cycle_1"];
  double per_instance = t > 0 ? cores * 1000 / t : 0;
  double db_bound = d > 0 ? cores * 1000 / d : 0;
  r["cores"] = cores;
  r["expected_cycles_per_s_per_instance"] = per_instance;
  r["expected_db_cpu_bound_cycles_per_s"] = db_bound;
  r["expected_instances_to_saturate"] = d > 0 ? t / d : 0;
  r["expected_cycles_per_s_2"] = std::min(2 * per_instance, db_bound);
  Report("tracker.pg_cycles", r);
  bool ok = r["failures_1"] == 0 && r["failures_2"] == 0 && r["audit_ok_1"] == true &&
            r["audit_ok_2"] == true && r["cycles_per_s_1"].get<double>() > 0 &&
            r["cycles_per_s_2"].get<double>() > 0;
  return ok ? 0 : 1;
}

}  // namespace tollstream::bench
