#include "tracker/tracker_metrics.h"

#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <optional>

#include "common/http/http_server.h"
#include "tracker/http/dashboard_routes.h"
#include "tracker/ledger_pages.h"

namespace tollstream {
namespace {

using Clock = std::chrono::steady_clock;

// The ledger figures of one scrape: gauges are read one after the other, so
// a reading younger than kMaxAge serves the rest of the scrape.
class FiguresCache {
 public:
  explicit FiguresCache(LedgerStore& store) : m_store(store) {}

  // nullopt when the ledger cannot be read.
  std::optional<LedgerFigures> Get() {
    std::lock_guard lock(m_mutex);
    auto now = Clock::now();
    if (!m_read_at || now - *m_read_at > kMaxAge) {
      auto figures = m_store.Figures();
      m_figures = figures ? std::optional<LedgerFigures>(*figures) : std::nullopt;
      m_read_at = now;
    }
    return m_figures;
  }

 private:
  static constexpr auto kMaxAge = std::chrono::milliseconds(100);
  LedgerStore& m_store;
  std::mutex m_mutex;
  std::optional<Clock::time_point> m_read_at;
  std::optional<LedgerFigures> m_figures;
};

}  // namespace

void DeclareTrackerGauges(Metrics& metrics, LedgerStore& store, StreamRegistry& registry,
                          const AuditRunner& audits, std::function<int64_t()> clock) {
  auto cache = std::make_shared<FiguresCache>(store);
  auto ledger = [&metrics, cache](const char* name, const char* help,
                                  std::function<uint64_t(const LedgerFigures&)> pick) {
    metrics.DeclareGauge(name, help, [cache, pick = std::move(pick)]() -> double {
      auto figures = cache->Get();
      return figures ? static_cast<double>(pick(*figures)) : NAN;
    });
  };
  ledger("tollstream_tracker_contracts_opened", "Contracts opened since the ledger began.",
         [](const LedgerFigures& f) { return f.totals.contracts_opened; });
  ledger("tollstream_tracker_contracts_closed", "Contracts closed by their broadcaster.",
         [](const LedgerFigures& f) { return f.totals.contracts_closed; });
  ledger("tollstream_tracker_contracts_expired",
         "Contracts released by the tracker after their expiry.",
         [](const LedgerFigures& f) { return f.totals.contracts_expired; });
  ledger("tollstream_tracker_contracts_open", "Contracts open now.",
         [](const LedgerFigures& f) { return f.contracts_open(); });
  ledger("tollstream_tracker_tokens_minted", "Tokens minted (the supply).",
         [](const LedgerFigures& f) { return f.supply.minted; });
  ledger("tollstream_tracker_tokens_paid", "Tokens paid to broadcasters by closed contracts.",
         [](const LedgerFigures& f) { return f.totals.paid; });
  ledger("tollstream_tracker_tokens_charged",
         "Tokens paid to broadcasters as opening charges (one segment's price per contract).",
         [](const LedgerFigures& f) { return f.totals.charged; });
  ledger("tollstream_tracker_segments_paid", "Segments paid for by closed contracts.",
         [](const LedgerFigures& f) { return f.totals.segments; });
  ledger("tollstream_tracker_bytes_paid", "Bytes paid for by closed contracts.",
         [](const LedgerFigures& f) { return f.totals.bytes; });
  ledger("tollstream_tracker_journal_entries", "Token movements in the journal, mints included.",
         [](const LedgerFigures& f) { return f.supply.journal_next; });

  // NaN while the registry cannot be read (its database away).
  auto live = [&registry, clock](size_t StreamRegistry::Listing::*count) {
    auto listing = registry.List(clock(), 0);
    return listing ? static_cast<double>((*listing).*count) : std::nan("");
  };
  metrics.DeclareGauge("tollstream_tracker_live_streams", "Streams with a live announcement.",
                       [live] { return live(&StreamRegistry::Listing::streams); });
  metrics.DeclareGauge("tollstream_tracker_live_announcements",
                       "Live announcements (stream and broadcaster).",
                       [live] { return live(&StreamRegistry::Listing::announcements); });

  // The last finished audit; `none` before the first.
  auto audit = [&metrics, &audits](const char* name, const char* help, double none,
                                   std::function<double(const AuditRun&)> pick) {
    metrics.DeclareGauge(name, help, [&audits, none, pick = std::move(pick)] {
      auto last = audits.last();
      return last ? pick(*last) : none;
    });
  };
  audit("tollstream_tracker_audit_ok",
        "1 when the last audit found that the ledger holds, 0 when not (or it could not read the "
        "ledger); "
        "NaN before the first.",
        NAN, [](const AuditRun& a) { return a.ok() ? 1.0 : 0.0; });
  audit("tollstream_tracker_audit_last_run_timestamp_seconds",
        "When the last finished audit started (unix seconds); 0 before the first.", 0,
        [](const AuditRun& a) { return static_cast<double>(a.started); });
  audit("tollstream_tracker_audit_last_duration_seconds", "How long the last audit took.", 0,
        [](const AuditRun& a) { return a.seconds; });
}

RouteOf TrackerRouteOf(const TrackerService& service) {
  return [&service](const HttpRequest& req) -> std::string {
    std::string_view path = req.path;
    if (path.starts_with("/v1/") && service.rpc().Has(path.substr(4))) return req.path;
    if (path == "/metrics" || path == "/healthz" || path == "/readyz" || IsDashboardPath(path)) {
      return req.path;
    }
    return "other";
  };
}

}  // namespace tollstream
