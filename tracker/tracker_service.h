// The tracker's request pipeline, independent of HTTP: a SignedService
// (common/rpc/signed_service.h) whose methods work on the ledger.
//
// For each request: parse and check the envelope (signature, the tracker's
// own key, clock skew), let the method prepare its work (validate
// parameters, check nested signatures: all outside any lock), then apply it:
//   - kChange methods are applied by the ledger's store (ledger_store.h),
//     exactly once: the answer of every applied request (success or
//     refusal) is stored with the change, keyed by signer and nonce: an
//     exact retry gets the first answer again, another request with a used
//     nonce is refused. The answer is sent only once the change is durable.
//   - kRead methods read the newest state, and answer once it is durable.
//   - kStateless methods get no ledger transaction: they read no ledger
//     state, or only what is committed (a snapshot of the store).
// On LevelDB, a kChange request is announced to the commit pipeline as it
// arrives, before it is parsed and checked, so that a group commit under
// way waits for it.
// Every answer, refusals included, is signed by the tracker key, and every
// refusal is counted by its code in the service's metrics registry
// (tollstream_tracker_refusals_total; an exact retry answered with its stored
// refusal counts again).
//
// Thread-safe: Handle may be called from any number of threads.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/observe/metrics.h"
#include "common/rpc/signed_service.h"
#include "common/store/commit_pipeline.h"
#include "common/store/kv_store.h"
#include "common/wire/envelope.h"
#include "tracker/ledger.h"
#include "tracker/ledger_store.h"
#include "tracker/leveldb_ledger_store.h"

namespace tollstream {

struct ServiceConfig {
  int64_t max_clock_skew = 120;  // seconds a request's ts may differ from the tracker's clock
  LedgerConfig ledger;
  // How long a group commit may wait for changes whose requests are still
  // being checked (see CommitPipeline): a change that comes alone is
  // written at once, so this adds latency only when others are on their way.
  std::chrono::microseconds commit_gather{1000};
};

class TrackerService {
 public:
  enum class Kind { kChange, kRead, kStateless };
  // Work that runs once the request is checked. `now` is the tracker's clock.
  using Apply = std::function<Result<json>(LedgerTxn& txn, int64_t now)>;
  // Validates a checked request's params; returns the work or an Error.
  using Prepare = std::function<Result<Apply>(const Request& request)>;

  // The ledger on LevelDB, in `store`.
  TrackerService(KeyPair key, KvStore& store, ServiceConfig config);
  // The ledger in `store` (e.g. PostgreSQL: pg/pg_ledger_store.h).
  TrackerService(KeyPair key, std::unique_ptr<LedgerStore> store, ServiceConfig config);
  ~TrackerService();

  // Registers `method` (served at POST /v1/<method>). Not thread-safe: call before serving.
  void AddMethod(std::string method, Kind kind, Prepare prepare);
  // Registers `method` with a handler of its own, outside the ledger's
  // transactions (e.g. one whose answer is a payload). Not thread-safe.
  void AddHandler(std::string method, SignedService::Handler handler) {
    m_rpc.AddHandler(std::move(method), std::move(handler));
  }
  // The methods, as the HTTP endpoint serves them (common/rpc/http_endpoint.h).
  const SignedService& rpc() const { return m_rpc; }

  Answer Handle(std::string_view method, std::string_view body) const {
    return m_rpc.Handle(method, body);
  }

  // Releases contracts whose release time has passed and forgets stored
  // answers too old to be retried. Returns how many of each it handled.
  using Maintenance = LedgerStore::Upkeep;
  Result<Maintenance> RunMaintenance(int64_t now);

  const PublicKey& public_key() const { return m_key.public_key(); }
  const KeyPair& key() const { return m_key; }
  Ledger& ledger() { return m_ledger; }
  LedgerStore& ledger_store() { return *m_store; }
  // The LevelDB store and its pipeline; null when the ledger is elsewhere.
  LevelDbLedgerStore* leveldb() { return m_leveldb; }
  // LevelDB only (backups, and tests): check leveldb() first.
  KvStore& store() { return m_leveldb->store(); }
  CommitPipeline& pipeline() { return m_leveldb->pipeline(); }
  const ServiceConfig& config() const { return m_config; }
  // The process's metrics registry (the HTTP server serves it at GET /metrics).
  Metrics& metrics() { return m_metrics; }
  // The tracker's clock: the system clock, in Unix seconds.
  int64_t Now() const;

 private:
  // A checked request of a method of `kind`: prepared, applied, answered.
  Answer Run(Call& call, Kind kind, const Prepare& prepare);
  Result<json> ApplyChange(const Request& request, const Apply& apply, int64_t now,
                           CommitPipeline::Announcement* coming);
  void CountRefusal(const json& body) const;
  void DeclareMetrics();

  Metrics m_metrics;
  // Per error code (by its enum value): the refusal counters, found once.
  std::array<Metrics::Counter*, static_cast<size_t>(ErrorCode::kUpstream) + 1> m_refusals{};
  KeyPair m_key;
  std::unique_ptr<LedgerStore> m_store;
  LevelDbLedgerStore* m_leveldb = nullptr;  // m_store, when it is LevelDB
  ServiceConfig m_config;
  Ledger m_ledger;
  SignedService m_rpc;
};

}  // namespace tollstream
