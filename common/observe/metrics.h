// Counters, gauges and latency histograms, rendered in the Prometheus text
// exposition format (version 0.0.4) for a /metrics scrape.
//
// A metric family is declared once, with its help text and label names; each
// distinct set of label values is a series of its own. Label values should
// come from a small known set (route patterns, status codes, outcomes), never
// from raw client input: each new value is a new series kept for the life of
// the process.
//
// Thread-safe: any thread may update while another renders.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tollstream {

class Metrics {
 public:
  // A value that only goes up (requests, tokens moved).
  class Counter {
   public:
    void Add(uint64_t n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return m_value.load(std::memory_order_relaxed); }

   private:
    std::atomic<uint64_t> m_value{0};
  };

  // Observations counted into fixed buckets (seconds for latencies).
  class Histogram {
   public:
    explicit Histogram(const std::vector<double>& bounds);
    void Observe(double value);

   private:
    friend class Metrics;
    std::mutex m_mutex;
    std::vector<double> m_bounds;
    std::vector<uint64_t> m_counts;  // per bucket, not cumulative; the last is +Inf
    double m_sum = 0;
    uint64_t m_count = 0;
  };

  using Labels = std::vector<std::string>;  // values, in the order of the family's label names

  // Declares a family; declaring the same name again returns the first
  // declaration. Names follow Prometheus rules ([a-zA-Z_:][a-zA-Z0-9_:]*).
  void DeclareCounter(const std::string& name, const std::string& help,
                      std::vector<std::string> label_names = {});
  void DeclareHistogram(const std::string& name, const std::string& help,
                        std::vector<std::string> label_names, std::vector<double> bounds);
  // A gauge whose value is read at scrape time (open contracts, balances),
  // with fixed labels when given (build_info's version and commit).
  void DeclareGauge(const std::string& name, const std::string& help, std::function<double()> read,
                    std::vector<std::string> label_names = {}, Labels label_values = {});
  // A counter whose value is read at scrape time (the CPU time the process used).
  void DeclareReadCounter(const std::string& name, const std::string& help,
                          std::function<double()> read);

  // The series of a declared family. The reference stays valid for the
  // life of the registry; keep it to skip the lookup on hot paths.
  // Precondition: the family is declared, with as many label values.
  Counter& counter(const std::string& name, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const Labels& labels = {});

  // Everything, in the text exposition format.
  std::string Render() const;

  // Buckets for request latencies, in seconds: 0.1 ms to 10 s.
  static std::vector<double> LatencyBuckets();

 private:
  enum class Type { kCounter, kHistogram, kGauge };
  struct Family {
    Type type;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::function<double()> read;  // a gauge's, or a read counter's
    Labels fixed_labels;           // a gauge's
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& Declare(const std::string& name, Type type, const std::string& help,
                  std::vector<std::string> label_names);

  mutable std::mutex m_mutex;
  std::map<std::string, Family> m_families;
};

}  // namespace tollstream
