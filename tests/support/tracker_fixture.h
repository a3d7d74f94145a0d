// A real tracker process on a free loopback port with a fresh data directory
// (made by `tracker init`), and clients that talk to it. Its ledger is in
// the data directory, or, when the tests run on PostgreSQL
// (TOLLSTREAM_TEST_LEDGER=postgresql), in a fresh schema of a shared cluster.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/base/hex.h"
#include "common/cli/key_file.h"
#include "common/client/tracker_client.h"
#include "common/crypto/random.h"
#include "common/protocol/address.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {

class TrackerFixture {
 public:
  explicit TrackerFixture(std::vector<std::string> extra_args = {})
      : m_args(std::move(extra_args)) {
    std::vector<std::string> init = {BinaryPath("tracker"), "init", "--data-dir", data_dir()};
    if (LedgerOnPostgres()) {
      m_store = SharedPgSchemaUrl();
      init.insert(init.end(), {"--store", m_store});
      m_args.insert(m_args.begin(), {"--store", m_store});
    }
    auto [status, out] = RunCommand(init);
    if (status != 0) throw std::runtime_error("tracker init failed: " + out);
    Start();
  }
  // The ledger's PostgreSQL URL, or "" when it is in the data directory.
  const std::string& store() const { return m_store; }

  std::string data_dir() const { return m_dir / "tracker"; }
  const std::string& url() const { return m_tracker->url; }
  Process& process() { return m_tracker->process; }
  KeyPair tracker_key() const { return *LoadKeyFile(data_dir() + "/tracker.key"); }

  // Starts (or restarts) the tracker on `listen` (default: any free port).
  void Start(const std::string& listen = "127.0.0.1:0") {
    std::vector<std::string> args = m_args;
    if (listen != "127.0.0.1:0") {
      m_tracker.reset();
      m_tracker = std::make_unique<TrackerProcess>(data_dir(), WithListen(args, listen));
    } else {
      m_tracker = std::make_unique<TrackerProcess>(data_dir(), args);
    }
  }
  void Kill9() {
    m_tracker->process.Signal(9);
    m_tracker->process.Wait(std::chrono::seconds(10));
  }
  int Stop() {
    m_tracker->process.Signal(15);
    return m_tracker->process.Wait(std::chrono::seconds(20));
  }
  int port() const { return std::stoi(url().substr(url().rfind(':') + 1)); }

  // A client with a fresh key that has done its handshake.
  std::unique_ptr<TrackerClient> NewClient(KeyPair key = KeyPair::Generate(),
                                           TrackerClient::Options options = {}) {
    auto c = std::make_unique<TrackerClient>(url(), std::move(key), options);
    auto hs = c->Handshake();
    if (!hs) throw std::runtime_error("handshake failed: " + hs.error().message);
    return c;
  }
  // Mints `amount` to `address`, signed with the tracker's own key.
  void Mint(const std::string& address, uint64_t amount) {
    TrackerClient operator_client(url(), tracker_key());
    if (!operator_client.Handshake()) throw std::runtime_error("handshake failed");
    auto r = operator_client.Call("mint", {{"to", address}, {"amount", amount}});
    if (!r) throw std::runtime_error("mint failed: " + r.error().message);
  }
  // `tracker audit`; with running=false it reads the data directory directly.
  std::pair<int, std::string> Audit(bool running) {
    if (running) return RunCommand({BinaryPath("tracker"), "audit", "--tracker", url()});
    if (!m_store.empty()) return RunCommand({BinaryPath("tracker"), "audit", "--store", m_store});
    return RunCommand({BinaryPath("tracker"), "audit", "--data-dir", data_dir()});
  }

 private:
  static std::vector<std::string> WithListen(std::vector<std::string> args,
                                             const std::string& listen) {
    // TrackerProcess appends --listen 127.0.0.1:0; a later --listen wins.
    args.push_back("--listen");
    args.push_back(listen);
    return args;
  }

  TempDir m_dir;
  std::string m_store;
  std::vector<std::string> m_args;
  std::unique_ptr<TrackerProcess> m_tracker;
};

// The steps of a contract cycle, as a client library would run them.
struct Party {
  KeyPair key = KeyPair::Generate();
  std::unique_ptr<TrackerClient> client;
  std::string address() const { return AddressOf(key.public_key()); }
};

inline Contract SignedContract(const Party& viewer, const Party& broadcaster,
                               const PublicKey& tracker, const std::string& spend,
                               const std::string& income, uint64_t price, uint64_t max_segments,
                               int64_t expires, const std::string& stream = "news") {
  Contract k;
  k.terms = ContractTerms{tracker,
                          viewer.key.public_key(),
                          broadcaster.key.public_key(),
                          spend,
                          income,
                          stream,
                          price,
                          max_segments,
                          expires,
                          RandomHex(16),
                          {}};
  SignAsViewer(k, viewer.key);
  SignAsBroadcaster(k, broadcaster.key);
  return k;
}

inline Receipt SignedReceipt(const Party& viewer, const Contract& k, uint64_t segments,
                             uint64_t bytes) {
  Receipt r;
  r.contract = k.id;
  r.viewer = viewer.key.public_key();
  r.segments = segments;
  r.bytes = bytes;
  r.amount = segments * k.terms.price;
  r.chain = k.id;
  SignReceipt(r, viewer.key);
  return r;
}

// `k` with `renditions` (its price must be the highest of theirs), signed again by both.
inline void SetRenditions(Contract& k, const Party& viewer, const Party& broadcaster,
                          std::vector<RenditionPrice> renditions) {
  k.terms.renditions = std::move(renditions);
  SignAsViewer(k, viewer.key);
  SignAsBroadcaster(k, broadcaster.key);
}

// The receipt for `counts[i]` segments of each of `k`'s renditions, at their prices.
inline Receipt SignedMixedReceipt(const Party& viewer, const Contract& k,
                                  const std::vector<uint64_t>& counts, uint64_t bytes) {
  uint64_t segments = 0;
  for (uint64_t n : counts) segments += n;
  Receipt r = SignedReceipt(viewer, k, segments, bytes);
  r.counts = counts;
  r.amount = *k.terms.Cost(segments, counts);
  SignReceipt(r, viewer.key);
  return r;
}

}  // namespace tollstream::test
