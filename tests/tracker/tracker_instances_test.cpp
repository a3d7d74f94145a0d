// Two `tracker run` processes with one key serving one ledger in
// PostgreSQL, and clients given both URLs: a stream announced at one is
// found at the other; kill -9 of one under load loses no acknowledged
// change, and the clients carry on at the other with the same bytes.
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "common/cli/key_file.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

// Two instances, each with its own data directory holding a copy of the key.
struct TwoTrackers {
  TwoTrackers() {
    auto [status, out] =
        RunCommand({BinaryPath("tracker"), "init", "--data-dir", dir / "a", "--store", store});
    REQUIRE_MESSAGE(status == 0, out);
    std::filesystem::create_directories(dir / "b");
    std::filesystem::copy_file(dir / "a/tracker.key", dir / "b/tracker.key");
    a = std::make_unique<TrackerProcess>(dir / "a", std::vector<std::string>{"--store", store});
    b = std::make_unique<TrackerProcess>(dir / "b", std::vector<std::string>{"--store", store});
  }
  KeyPair key() const { return *LoadKeyFile(dir / "a/tracker.key"); }
  std::unique_ptr<TrackerClient> Client(const std::string& urls, KeyPair key,
                                        TrackerClient::Options options = {}) {
    auto c = std::make_unique<TrackerClient>(urls, std::move(key), options);
    REQUIRE(c->Handshake().ok());
    return c;
  }
  uint64_t Balance(const std::string& urls, const std::string& address) {
    auto balance = TrackerApi(*Client(urls, KeyPair::Generate())).Balance(address);
    REQUIRE_MESSAGE(balance.ok(), balance.error().message);
    return *balance;
  }

  TempDir dir;
  std::string store = SharedPgSchemaUrl();
  std::unique_ptr<TrackerProcess> a, b;
};

}  // namespace

TEST_CASE("a stream announced at one instance is found at the other") {
  TwoTrackers t;
  KeyPair seller = KeyPair::Generate();
  auto at_a = t.Client(t.a->url, seller);
  REQUIRE(TrackerApi(*at_a).GetIncomeAddress().ok());
  AnnounceParams params;
  params.stream = "news";
  params.url = "http://127.0.0.1:1";
  params.price = 3;
  params.ttl = 30;
  params.title = "Evening news";
  REQUIRE(TrackerApi(*at_a).Announce(params).ok());

  auto at_b = t.Client(t.b->url, KeyPair::Generate());
  auto found = TrackerApi(*at_b).Lookup("news", std::nullopt);
  REQUIRE_MESSAGE(found.ok(), found.error().message);
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].broadcaster == seller.public_key());
  CHECK((*found)[0].price == 3);
  // The directory reads a copy at most a second old.
  auto listed = TrackerApi(*at_b).Streams("evening");
  for (int i = 0; i < 30 && listed.ok() && listed->empty(); ++i) {
    std::this_thread::sleep_for(100ms);
    listed = TrackerApi(*at_b).Streams("evening");
  }
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK((*listed)[0].stream == "news");

  // Renewed at b, later, keeping when it was first announced; withdrawn at b, gone at a.
  std::this_thread::sleep_for(1100ms);
  auto renewed =
      t.Client(t.b->url, seller)
          ->Call("announce",
                 {{"stream", "news"}, {"url", "http://127.0.0.1:2"}, {"price", 4}, {"ttl", 30}});
  REQUIRE(renewed.ok());
  auto first = at_a->Call("lookup", {{"stream", "news"}});
  REQUIRE(first.ok());
  REQUIRE((*first)["broadcasters"].size() == 1);
  CHECK((*first)["broadcasters"][0]["price"] == 4);
  CHECK((*first)["broadcasters"][0]["since"] == (*renewed)["since"]);
  params.ttl = 0;
  REQUIRE(TrackerApi(*t.Client(t.b->url, seller)).Announce(params).ok());
  auto gone = TrackerApi(*at_a).Lookup("news", std::nullopt);
  REQUIRE(gone.ok());
  CHECK(gone->empty());
}

TEST_CASE("kill -9 of one instance under load: nothing acknowledged lost, clients carry on") {
  TwoTrackers t;
  constexpr int kClients = 6;
  constexpr int kTransfers = 60;
  std::string both = t.a->url + "," + t.b->url;  // a first: every client starts there
  TrackerClient::Options options;
  options.timeout_ms = 5000;

  std::string sink = AddressOf(KeyPair::Generate().public_key());
  std::vector<KeyPair> senders;
  for (int i = 0; i < kClients; ++i) {
    const KeyPair& key = senders.emplace_back(KeyPair::Generate());
    REQUIRE(TrackerApi(*t.Client(t.a->url, t.key())).Mint(AddressOf(key.public_key()), 1000).ok());
  }

  std::atomic<int> acked{0};
  std::mutex failures_mutex;
  std::vector<std::string> failures;
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      TrackerClient client(both, senders[i], options);
      auto hs = client.Handshake();
      for (int n = 0; hs && n < kTransfers; ++n) {
        auto sent = TrackerApi(client).Transfer(sink, 1);
        if (sent) {
          ++acked;
          continue;
        }
        std::lock_guard lock(failures_mutex);
        failures.push_back(sent.error().message);
        return;
      }
      if (!hs) {
        std::lock_guard lock(failures_mutex);
        failures.push_back("handshake: " + hs.error().message);
      }
    });
  }
  // Killed once a third of the transfers were answered.
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (acked < kClients * kTransfers / 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  t.a->process.Signal(9);
  t.a->process.Wait(10s);
  int at_kill = acked.load();
  for (auto& c : clients) c.join();

  for (const auto& f : failures) MESSAGE(f);
  CHECK(failures.empty());
  CHECK(at_kill < kClients * kTransfers);  // the kill came under load
  CHECK(acked == kClients * kTransfers);
  // Every acknowledged transfer is there once, at the instance left.
  CHECK(t.Balance(t.b->url, sink) == static_cast<uint64_t>(acked.load()));
  for (const auto& key : senders) {
    CHECK(t.Balance(t.b->url, AddressOf(key.public_key())) == 1000 - kTransfers);
  }
  auto [status, report] = RunCommand({BinaryPath("tracker"), "audit", "--store", t.store});
  CHECK_MESSAGE(status == 0, report);

  // The killed instance starts again and serves the same ledger.
  t.a = std::make_unique<TrackerProcess>(t.dir / "a", std::vector<std::string>{"--store", t.store});
  CHECK(t.Balance(t.a->url, sink) == static_cast<uint64_t>(acked.load()));
}

}  // namespace tollstream::test
