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
constexpr size_t kMaintenanceBatch = 256;

// The stored answer of an applied request.
struct StoredAnswer {
  std::string request_id;
  json body;
};

json ToJson(const StoredAnswer& a) {
  return {{"id", a.request_id}, {"answer", a.body}};
}

std::optional<StoredAnswer> FromJson(const json& j) {
  if (!j.is_object() || !j.contains("id") || !j.contains("answer") || !j["id"].is_string()) {
    return std::nullopt;
  }
  return StoredAnswer{j["id"].get<std::string>(), j["answer"]};
}

// An error of the store (a read or write failed) rather than a refusal.
bool IsStorageError(const Error& e) {
  return e.code == ErrorCode::kUnavailable || e.code == ErrorCode::kInternal;
}

// `e` as the answer to a change that may have been applied before.
Error OutcomeUnknown(const Error& e) {
  if (e.code != ErrorCode::kUnavailable) return e;
  return MakeError(ErrorCode::kInternal, "whether this request was applied is unknown (" +
                                             e.message + "): send it again later");
}

}  // namespace

TrackerService::TrackerService(KeyPair key, KvStore& store, ServiceConfig config)
    : m_key(std::move(key)),
      m_store(store),
      m_config(config),
      m_ledger(m_key.public_key(), config.ledger),
      m_pipeline(std::make_unique<CommitPipeline>(store, config.commit_gather)),
      m_rpc(ServiceRules{m_key, m_key.public_key(), config.max_clock_skew, 0,
                         [this](const json& body) { CountRefusal(body); }}) {
  m_metrics.DeclareCounter("tollstream_tracker_refusals_total",
                           "Requests refused (signed error answers), by error code.", {"code"});
  for (size_t i = 0; i < m_refusals.size(); ++i) {
    auto code = static_cast<ErrorCode>(i);
    if (code == ErrorCode::kUpstream) continue;  // only clients and peers answer it
    m_refusals[i] =
        &m_metrics.counter("tollstream_tracker_refusals_total", {std::string(CodeName(code))});
  }
  m_metrics.DeclareGauge(
      "tollstream_tracker_commit_groups",
      "Synced writes of the ledger since start; each carries a group of changes.",
      [this] { return static_cast<double>(m_pipeline->stats().groups); });
  m_metrics.DeclareGauge(
      "tollstream_tracker_commit_changes",
      "Changes to the ledger written since start (changes / groups: the mean group).",
      [this] { return static_cast<double>(m_pipeline->stats().changes); });
  DeclareProcessMetrics(m_metrics, "tracker");
  m_metrics.DeclareGauge("tollstream_tracker_store_ok",
                         "1 while the ledger's store takes writes; 0 from a failed write until "
                         "the store is reopened and written again.",
                         [this] { return m_pipeline->health().ok ? 1.0 : 0.0; });
  m_metrics.DeclareGauge("tollstream_tracker_store_failures",
                         "Failed writes of the ledger's store since start.",
                         [this] { return static_cast<double>(m_pipeline->health().failures); });
}

TrackerService::~TrackerService() = default;

int64_t TrackerService::Now() const {
  return UnixNow();
}

void TrackerService::AddMethod(std::string method, Kind kind, Prepare prepare) {
  m_rpc.AddHandler(
      std::move(method),
      [this, kind, prepare = std::move(prepare)](Call& call) { return Run(call, kind, prepare); },
      kind == Kind::kChange ? m_pipeline.get() : nullptr);
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
    auto answer = ApplyChange(req, *apply, call.now(), *call.announcement());
    if (!answer) return call.Refuse(answer.error());
    return call.Sign(std::move(*answer));
  }
  Result<json> result = MakeError(ErrorCode::kInternal, "not run");
  if (kind == Kind::kRead) {
    result = ApplyRead(*apply, call.now());
  } else {
    PipelineTxn none(*m_pipeline);
    result = (*apply)(none, call.now());
  }
  if (!result) return call.Refuse(result.error());
  return call.Ok(std::move(*result));
}

// Returns the complete unsigned answer body (success or refusal), or an Error
// when nothing could be recorded (storage failure, nonce reused). An error
// with 503 `unavailable` means the request was not applied and never will
// be; where that cannot be told (the stored answer cannot be read, or the
// outcome of a failed write is unknown), the error is kInternal and says so.
Result<json> TrackerService::ApplyChange(const Request& req, const Apply& apply, int64_t now,
                                         CommitPipeline::Announcement& coming) {
  std::string answer_key = keys::Answer(req.signer, req.nonce);
  std::string request_id = ToHex(req.id);
  for (int pass = 0;; ++pass) {
    std::optional<uint64_t> seq;  // the change submitted, if any
    uint64_t epoch = 0;           // when none: the epoch the stored answer was read in
    json answer;
    {
      std::lock_guard lock(m_ledger_mutex);
      PipelineTxn txn(*m_pipeline);
      epoch = txn.epoch();
      auto stored = txn.GetJson(answer_key);
      if (!stored) return OutcomeUnknown(stored.error());
      if (stored->has_value()) {
        auto previous = FromJson(**stored);
        if (!previous)
          return MakeError(ErrorCode::kInternal, "stored answer " + answer_key + " is damaged");
        if (previous->request_id != request_id) {
          return MakeError(ErrorCode::kDuplicate,
                           "nonce " + req.nonce + " was used by another request");
        }
        answer = std::move(previous->body);
      } else {
        auto result = apply(txn, now);
        if (!result && IsStorageError(result.error())) return result.error();  // not stored
        if (result) {
          answer = ResponseBody(req.method, public_key(), req.id, now, 200, std::move(*result));
        } else {
          txn.Discard();  // a refusal changes nothing but the record of its answer
          answer = ErrorBody(req.method, public_key(), req.id, now, result.error());
        }
        txn.PutJson(answer_key, ToJson(StoredAnswer{request_id, answer}));
        txn.Put(keys::AnswerByTime(req.ts, req.signer, req.nonce), "");
        auto committed = txn.Commit(&coming);
        if (!committed) return committed.error();
        seq = *committed;
      }
    }
    coming.Release();  // a retry submits nothing
    if (seq) {
      if (Status s = m_pipeline->WaitDurable(*seq); !s) return s.error();
      return answer;
    }
    // A retry's first answer may still be on its way to disk. If a failed
    // write dropped what it read, it is looked up again, on disk now.
    Status durable = m_pipeline->WaitReadDurable(epoch);
    if (durable) return answer;
    if (pass > 0) return OutcomeUnknown(durable.error());
  }
}

Result<json> TrackerService::ApplyRead(const Apply& apply, int64_t now) {
  // What is read may have been submitted but not yet written: answer only
  // once it is on disk, so no answer ever shows a state a crash could undo
  // (or that a failed write dropped).
  PipelineTxn view(*m_pipeline);
  auto result = apply(view, now);
  if (Status s = m_pipeline->WaitReadDurable(view.epoch()); !s) return s.error();
  return result;
}

namespace {

// The ids of up to `most` open contracts due for release at `now`, soonest first.
Result<std::vector<std::string>> DueContracts(const KvStore& store, int64_t now, size_t most) {
  std::vector<std::string> due;
  auto it = store.NewIterator();
  for (it->Seek(keys::kReleases.first);
       it->Valid() && keys::kReleases.Contains(it->key()) && due.size() < most; it->Next()) {
    auto release = keys::ParseReleaseKey(it->key());
    if (!release) continue;  // no key the ledger writes (the audit reports it)
    if (release->release_at > now) break;
    due.push_back(std::move(release->id));
  }
  if (Status s = it->status(); !s) return s.error();
  return due;
}

// The two keys of a stored answer.
struct AnswerKeys {
  std::string by_time;
  std::string answer;
};

// The keys of up to `most` stored answers to requests stamped before
// `horizon`, oldest first.
Result<std::vector<AnswerKeys>> AnswersBefore(const KvStore& store, int64_t horizon, size_t most) {
  std::vector<AnswerKeys> old;
  auto it = store.NewIterator();
  for (it->Seek(keys::kAnswersByTime.first);
       it->Valid() && keys::kAnswersByTime.Contains(it->key()) && old.size() < most; it->Next()) {
    auto by_time = keys::ParseAnswerByTimeKey(it->key());
    if (!by_time) continue;  // no key the ledger writes
    if (by_time->ts >= horizon) break;
    old.push_back({std::string(it->key()), std::move(by_time->answer)});
  }
  if (Status s = it->status(); !s) return s.error();
  return old;
}

}  // namespace

Result<TrackerService::Maintenance> TrackerService::RunMaintenance(int64_t now) {
  Maintenance done;
  // Contracts due for release, oldest first, in small batches.
  for (;;) {
    auto due = DueContracts(m_store, now, kMaintenanceBatch);
    if (!due) return due.error();
    if (due->empty()) break;
    uint64_t seq = 0;
    size_t released_before = done.released;
    {
      std::lock_guard lock(m_ledger_mutex);
      PipelineTxn txn(*m_pipeline);
      for (const auto& id : *due) {
        auto expired = m_ledger.ExpireContract(txn, id, now);
        if (expired) ++done.released;  // else closed meanwhile, or not yet on disk
      }
      if (txn.empty()) break;
      auto committed = txn.Commit();
      if (!committed) return committed.error();
      seq = *committed;
    }
    if (Status s = m_pipeline->WaitDurable(seq); !s) return s.error();
    if (done.released == released_before) break;
  }
  // Stored answers whose requests can no longer be replayed: their ts is
  // beyond the accepted skew, so any retry is refused as stale anyway.
  int64_t horizon = now - m_config.max_clock_skew - kAnswerMarginSeconds;
  if (horizon > 0) {
    auto old = AnswersBefore(m_store, horizon, 16 * kMaintenanceBatch);
    if (!old) return old.error();
    if (!old->empty()) {
      uint64_t seq = 0;
      {
        std::lock_guard lock(m_ledger_mutex);
        PipelineTxn txn(*m_pipeline);
        for (const auto& stale : *old) {
          txn.Delete(stale.by_time);
          txn.Delete(stale.answer);
        }
        auto committed = txn.Commit();
        if (!committed) return committed.error();
        seq = *committed;
      }
      if (Status s = m_pipeline->WaitDurable(seq); !s) return s.error();
      done.pruned = old->size();
    }
  }
  return done;
}

}  // namespace tollstream
