#include "common/observe/metrics.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>

namespace tollstream {
namespace {

// A sample value: the shortest text that reads back as the same double.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Label values escape backslash, double quote and newline; help text
// escapes backslash and newline.
std::string Escape(const std::string& s, bool quote) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quote) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

std::string LabelSet(const std::vector<std::string>& names, const Metrics::Labels& values,
                     const std::string& extra_name = "", const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    out += (out.empty() ? "" : ",") + names[i] + "=\"" + Escape(values[i], true) + "\"";
  }
  if (!extra_name.empty())
    out += (out.empty() ? "" : ",") + extra_name + "=\"" + extra_value + "\"";
  return out.empty() ? "" : "{" + out + "}";
}

}  // namespace

Metrics::Histogram::Histogram(const std::vector<double>& bounds)
    : m_bounds(bounds), m_counts(bounds.size() + 1, 0) {}

void Metrics::Histogram::Observe(double value) {
  size_t i = static_cast<size_t>(std::lower_bound(m_bounds.begin(), m_bounds.end(), value) -
                                 m_bounds.begin());
  std::lock_guard lock(m_mutex);
  m_counts[i] += 1;
  m_sum += value;
  m_count += 1;
}

std::vector<double> Metrics::LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

Metrics::Family& Metrics::Declare(const std::string& name, Type type, const std::string& help,
                                  std::vector<std::string> label_names) {
  std::lock_guard lock(m_mutex);
  auto [it, added] = m_families.try_emplace(name);
  if (added) {
    it->second.type = type;
    it->second.help = help;
    it->second.label_names = std::move(label_names);
  }
  return it->second;
}

void Metrics::DeclareCounter(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  Declare(name, Type::kCounter, help, std::move(label_names));
}

void Metrics::DeclareHistogram(const std::string& name, const std::string& help,
                               std::vector<std::string> label_names, std::vector<double> bounds) {
  std::sort(bounds.begin(), bounds.end());
  Family& f = Declare(name, Type::kHistogram, help, std::move(label_names));
  std::lock_guard lock(m_mutex);
  if (f.bounds.empty()) f.bounds = std::move(bounds);
}

void Metrics::DeclareGauge(const std::string& name, const std::string& help,
                           std::function<double()> read, std::vector<std::string> label_names,
                           Labels label_values) {
  Family& f = Declare(name, Type::kGauge, help, std::move(label_names));
  std::lock_guard lock(m_mutex);
  f.read = std::move(read);
  f.fixed_labels = std::move(label_values);
}

void Metrics::DeclareReadCounter(const std::string& name, const std::string& help,
                                 std::function<double()> read) {
  Family& f = Declare(name, Type::kCounter, help, {});
  std::lock_guard lock(m_mutex);
  f.read = std::move(read);
}

Metrics::Counter& Metrics::counter(const std::string& name, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  Family& f = m_families.at(name);
  assert(f.type == Type::kCounter && labels.size() == f.label_names.size());
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Metrics::Histogram& Metrics::histogram(const std::string& name, const Labels& labels) {
  std::lock_guard lock(m_mutex);
  Family& f = m_families.at(name);
  assert(f.type == Type::kHistogram && labels.size() == f.label_names.size());
  auto& slot = f.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(f.bounds);
  return *slot;
}

std::string Metrics::Render() const {
  // Values read at scrape time read other parts of the program: read them
  // outside the lock.
  struct Read {
    std::string name, type, labels;
    std::function<double()> read;
  };
  std::vector<Read> reads;
  std::string out;
  {
    std::lock_guard lock(m_mutex);
    for (const auto& [name, f] : m_families) {
      if (f.read) {
        reads.push_back({name, f.type == Type::kGauge ? "gauge" : "counter",
                         LabelSet(f.label_names, f.fixed_labels), f.read});
        continue;
      }
      out += "# HELP " + name + " " + Escape(f.help, false) + "\n";
      out += "# TYPE " + name + (f.type == Type::kCounter ? " counter\n" : " histogram\n");
      for (const auto& [labels, c] : f.counters) {
        out += name + LabelSet(f.label_names, labels) + " " + std::to_string(c->value()) + "\n";
      }
      for (const auto& [labels, h] : f.histograms) {
        std::lock_guard hlock(h->m_mutex);
        uint64_t cumulative = 0;
        for (size_t i = 0; i <= h->m_bounds.size(); ++i) {
          cumulative += h->m_counts[i];
          std::string le = i < h->m_bounds.size() ? FormatValue(h->m_bounds[i]) : "+Inf";
          out += name + "_bucket" + LabelSet(f.label_names, labels, "le", le) + " " +
                 std::to_string(cumulative) + "\n";
        }
        out += name + "_sum" + LabelSet(f.label_names, labels) + " " + FormatValue(h->m_sum) + "\n";
        out += name + "_count" + LabelSet(f.label_names, labels) + " " +
               std::to_string(h->m_count) + "\n";
      }
    }
  }
  for (const auto& r : reads) {
    std::string help;
    {
      std::lock_guard lock(m_mutex);
      help = m_families.at(r.name).help;
    }
    out +=
        "# HELP " + r.name + " " + Escape(help, false) + "\n# TYPE " + r.name + " " + r.type + "\n";
    out += r.name + r.labels + " " + FormatValue(r.read()) + "\n";
  }
  return out;
}

}  // namespace tollstream
