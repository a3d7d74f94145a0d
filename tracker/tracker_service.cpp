#include "tracker/tracker_service.h"

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/observe/log.h"
#include "common/observe/process_metrics.h"
#include "tracker/ledger_keys.h"

namespace tollstream {
namespace {

// Answers stay retrievable this long after their request's timestamp has
// gone stale (beyond the clock skew), then are pruned.
constexpr int64_t kAnswerMarginSeconds = 60;

// An error of the store (a read or write failed) rather than a refusal.
bool IsStorageError(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
}

}  // namespace

TrackerService::TrackerService(KeyPair key, KvStore& store, ServiceConfig config)
    : TrackerService(std::move(key),
                     std::make_unique<LevelDbLedgerStore>(store, config.commit_gather), config) {}

TrackerService::TrackerService(KeyPair key, std::unique_ptr<LedgerStore> store,
                               ServiceConfig config)
    : m_key(std::move(key)),
      m_store(std::move(store)),
      m_leveldb(dynamic_cast<LevelDbLedgerStore*>(m_store.get())),
      m_config(config),
      m_ledger(m_key.public_key(), config.ledger),
      m_rpc(ServiceRules{m_key, m_key.public_key(), config.max_clock_skew, 0,
                         [this](const json& body) { CountRefusal(body); }}) {
  DeclareMetrics();
}

void TrackerService::DeclareMetrics() {
  m_metrics.DeclareCounter("tollstream_tracker_refusals_total",
                           "Requests refused (signed error answers), by error code.", {"code"});
  for (size_t i = 0; i < m_refusals.size(); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (code == ErrorCode::kUpstream) continue;  // only clients and peers answer it
    m_refusals[i] =
        &m_metrics.counter("tollstream_tracker_refusals_total", {std::string(CodeName(code))});
  }
  DeclareProcessMetrics(m_metrics, "tracker");
  m_metrics.DeclareGauge(
      "tollstream_tracker_change_retries",
      "Changes run again from their start after the database reported a conflict, since start.",
      [this] { return static_cast<double>(m_store->retries()); });
  if (m_leveldb == nullptr) return;
  CommitPipeline* pipeline = &m_leveldb->pipeline();
  m_metrics.DeclareGauge(
      "tollstream_tracker_commit_groups",
      "Synced writes of the ledger since start; each carries a group of changes.",
      [pipeline] { return static_cast<double>(pipeline->stats().groups); });
  m_metrics.DeclareGauge(
      "tollstream_tracker_commit_changes",
      "Changes to the ledger written since start (changes / groups: the mean group).",
      [pipeline] { return static_cast<double>(pipeline->stats().changes); });
  m_metrics.DeclareGauge("tollstream_tracker_store_ok",
                         "1 while the ledger's store takes writes; 0 from a failed write until "
                         "the store is reopened and written again.",
                         [pipeline] { return pipeline->health().ok ? 1.0 : 0.0; });
  m_metrics.DeclareGauge("tollstream_tracker_store_failures",
                         "Failed writes of the ledger's store since start.",
                         [pipeline] { return static_cast<double>(pipeline->health().failures); });
}

TrackerService::~TrackerService() = default;

int64_t TrackerService::Now() const {
  return UnixNow();
}

void TrackerService::AddMethod(std::string method, Kind kind, Prepare prepare) {
  m_rpc.AddHandler(
      std::move(method),
      [this, kind, prepare = std::move(prepare)](Call& call) { return Run(call, kind, prepare); },
      kind == Kind::kChange && m_leveldb != nullptr ? &m_leveldb->pipeline() : nullptr);
}

void TrackerService::CountRefusal(const json& body) const {
  auto error = body.find("error");
  if (error == body.end() || !error->is_object()) return;
  auto code = error->find("code");
  if (code == error->end() || !code->is_string()) return;
  auto known = CodeFromName(code->get_ref<const std::string&>());
  if (!known) return;
  if (Metrics::Counter* counter = m_refusals[static_cast<size_t>(*known)]) counter->Add();
}

Answer TrackerService::Run(Call& call, Kind kind, const Prepare& prepare) {
  const Request& req = call.request();
  auto apply = prepare(req);
  if (!apply) return call.Refuse(apply.error());
  if (kind == Kind::kChange) {
    // The whole body, stored for retries.
    auto answer = ApplyChange(req, *apply, call.now(), call.announcement());
    if (!answer) return call.Refuse(answer.error());
    return call.Sign(std::move(*answer));
  }
  Result<json> result = MakeError(ErrorCode::kInternal, "not run");
  if (kind == Kind::kRead) {
    result = m_store->Read([&](LedgerTxn& view) { return (*apply)(view, call.now()); });
  } else {
    NoLedgerTxn none;
    result = (*apply)(none, call.now());
  }
  if (!result) return call.Refuse(result.error());
  return call.Ok(std::move(*result));
}

// Returns the complete unsigned answer body (success or refusal), or an Error
// when nothing could be recorded (LedgerStore::Change).
Result<json> TrackerService::ApplyChange(const Request& req, const Apply& apply, int64_t now,
                                         CommitPipeline::Announcement* coming) {
  SignedChange change;
  change.answer_key = keys::Answer(req.signer, req.nonce);
  change.by_time_key = keys::AnswerByTime(req.ts, req.signer, req.nonce);
  change.request_id = ToHex(req.id);
  change.nonce = req.nonce;
  change.apply = [&](LedgerTxn& txn) -> Result<json> {
    auto result = apply(txn, now);
    if (!result && IsStorageError(result.error())) return result.error();  // not stored
    if (result) return ResponseBody(req.method, public_key(), req.id, now, 200, std::move(*result));
    txn.Discard();  // a refusal changes nothing but the record of its answer
    return ErrorBody(req.method, public_key(), req.id, now, result.error());
  };
  return m_store->Change(change, coming);
}

Result<TrackerService::Maintenance> TrackerService::RunMaintenance(int64_t now) {
  // Stored answers whose requests can no longer be replayed: their ts is
  // beyond the accepted skew, so any retry is refused as stale anyway.
  int64_t horizon = now - m_config.max_clock_skew - kAnswerMarginSeconds;
  return m_store->Maintain(m_ledger, now, horizon);
}

}  // namespace tollstream
