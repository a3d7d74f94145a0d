#include "peer/peer_cli.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "common/cli/args.h"
#include "common/cli/command_table.h"
#include "common/cli/host_port.h"
#include "common/cli/key_file.h"
#include "common/cli/signal_watcher.h"
#include "common/client/tracker_client.h"
#include "common/observe/event_feed.h"
#include "common/observe/log.h"
#include "common/observe/metrics.h"
#include "common/protocol/address.h"
#include "common/wire/fields.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/encoder.h"
#include "peer/broadcast/receipt_store.h"
#include "peer/broadcast/relay_supply.h"
#include "peer/broadcast/segment_source.h"
#include "peer/peer_server.h"
#include "peer/watch/local_hls.h"
#include "peer/watch/viewer.h"

namespace tollstream {
namespace {

constexpr const char* kUsage = R"(usage: peer <command> [options]

commands:
  keygen     create a key file
  wallet     show the balance of your address, or transfer tokens
  broadcast  sell the segments of a stream
  watch      buy a stream and serve it to a local player

Run `peer <command> --help` for a command's options.
)";

constexpr const char* kKeygenHelp = R"(usage: peer keygen --out FILE

Creates a key file (mode 0600) and prints its public key, its address and
its 6-digit code (compare codes aloud to be sure of a key).
)";

constexpr const char* kWalletHelp = R"(usage: peer wallet --tracker URL --key FILE balance [--json]
       peer wallet --tracker URL --key FILE transfer --to ADDRESS --amount N
       peer wallet --tracker URL --key FILE reclaim

balance   the balance of the key's ordinary address; with --json prints
          {"address": ..., "balance": N}
transfer  moves N tokens from the key's address to ADDRESS
reclaim   closes the key's spend and income addresses, moving what they hold
          to its ordinary address (after a node was killed before it could
          settle; refused while a contract on them is still open)
)";

constexpr const char* kBroadcastHelp =
    R"(usage: peer broadcast --tracker URL --key FILE --stream NAME --listen HOST:PORT
                      --price N (--hls-dir DIR | --source FILE) [options]

Sells the segments of a stream, each for N tokens, to viewers who pay with
signed receipts. With --hls-dir it follows the HLS playlist an encoder
(ffmpeg, OBS) writes into DIR; with --source it runs ffmpeg on FILE itself,
in real time. Announces the stream at the tracker and renews it while it
runs. On SIGINT or SIGTERM it closes every contract with its last receipt,
withdraws the stream, pays its income out to its ordinary address and exits 0.
http://HOST:PORT/ is a status page (viewers, segments sold, tokens earned,
receipts per viewer, income balance), live; GET /metrics gives the node's
figures in the Prometheus format.

options:
  --playlist NAME         the playlist in --hls-dir (default: its only .m3u8)
  --segment-seconds S     segment length with --source (default 2)
  --state-dir DIR         where open contracts and their last receipts are
                          kept, to close them after a crash (default FILE.state)
  --advertise-url URL     the URL viewers use (default http://HOST:PORT)
  --receipt-timeout S     close a contract whose viewer sends no receipt for
                          S seconds (default 15)
  --ttl S                 announcement time-to-live (default 30; renewed at S/3)
)";

constexpr const char* kWatchHelp =
    R"(usage: peer watch --tracker URL --key FILE --stream NAME --budget N
                  --listen 127.0.0.1:PORT [--out FILE] [--exit-at-end]
                  [--origin KEY] [--relay --price P [--advertise-url URL]]

Buys the stream from the cheapest live seller within a budget of N tokens,
checks every segment against the origin's signature, pays for it with a
receipt, and serves what it bought as HLS at
http://127.0.0.1:PORT/NAME.m3u8 for any player. Prints progress as it goes.

http://127.0.0.1:PORT/ is a page that plays the stream and shows the figures
live (segments, tokens spent, budget left, the broadcaster's code, receipts),
with buttons to top up the budget and to stop watching. When the budget is
spent it waits for a top-up; a top-up starts a follow-on contract at the next
segment. GET /metrics gives the node's figures in the Prometheus format.

When the stream ends (or the stop button is pressed) it keeps serving until
SIGINT; with --exit-at-end it exits then, and does not wait for a top-up when
the budget is spent. SIGINT or SIGTERM closes the contract and returns the
unspent deposit to the key's ordinary address; then it exits 0.

A stream is named by its origin's key and its name. The sellers of a stream
are its origin and the relays that re-sell it; the node probes them (a signed
answer's round trip and throughput) and buys from the cheapest, the faster at
the same price. Every segment must carry the origin's signature, whoever
sells it. When its source stalls, stops answering, or sends a segment that
fails the origin's signature (not paid for), the node settles that contract
at the last receipt and continues with the next best source from the next
segment: the local stream has no gap and no segment twice.

options:
  --out FILE              also write every segment's bytes to FILE
  --store-dir DIR         where bought segments are kept (default: a
                          temporary directory removed at exit)
  --origin KEY            the origin's public key (default: the only origin
                          that sells a stream of that name)
  --relay                 also sell the segments bought, at --price P tokens
                          each, under ordinary contracts paid to this key's
                          income address; announced at the tracker as a relay
                          of the origin once the first segment is bought, on
                          this node's --listen address (or --advertise-url)
  --state-dir DIR         the relay's open contracts and last receipts
                          (default FILE.relay-state, FILE the key file)
  --ttl S                 the relay's announcement time-to-live (default 30)
)";

int Fail(const std::string& message) {
  std::cerr << "peer: " << message << "\n";
  return 2;
}

int Fail(const Error& e) {
  return Fail(e.message);
}

// Prints a line on stdout, whole.
void Say(const std::string& line) {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  std::cout << line << std::endl;
}

// Waits for SIGINT/SIGTERM; `stopped` turns true and wakers are notified.
class StopFlag {
 public:
  void Set() {
    {
      std::lock_guard lock(m_mutex);
      m_stop = true;
    }
    m_cv.notify_all();
  }
  bool WaitFor(std::chrono::milliseconds d) {
    std::unique_lock lock(m_mutex);
    m_cv.wait_for(lock, d, [&] { return m_stop.load(); });
    return m_stop;
  }
  const std::atomic<bool>& flag() const { return m_stop; }

 private:
  std::mutex m_mutex;
  std::condition_variable m_cv;
  std::atomic<bool> m_stop{false};
};

// A temporary directory removed at destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (mkdtemp(pattern.data()) != nullptr) m_path = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!m_path.empty()) std::filesystem::remove_all(m_path, ec);
  }
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

Result<std::unique_ptr<TrackerClient>> Connect(const std::string& url, const KeyPair& key) {
  auto client = std::make_unique<TrackerClient>(url, key);
  auto hello = client->Handshake();
  if (!hello) return MakeError(hello.error().code, "tracker " + url + ": " + hello.error().message);
  return client;
}

// What a selling node (a broadcaster, or a relay) needs before it sells: a
// tracker client, its open income address, and its store of receipts.
struct Seller {
  std::unique_ptr<TrackerClient> tracker;
  std::string income_address;
  std::unique_ptr<ReceiptStore> store;
};

Result<Seller> PrepareSeller(const std::string& url, const KeyPair& key,
                             const std::string& state_dir) {
  auto tracker = Connect(url, key);
  if (!tracker) return tracker.error();
  auto income = (*tracker)->Call("getIncomeAddress", json::object());
  if (!income) return MakeError(income.error().code, "getIncomeAddress: " + income.error().message);
  auto store = ReceiptStore::Open(state_dir);
  if (!store) {
    return MakeError(store.error().code,
                     store.error().message + " (is another node using " + state_dir + "?)");
  }
  return Seller{std::move(*tracker), (*income)["address"].get<std::string>(), std::move(*store)};
}

// Settles a selling node that stops: its announcement withdrawn, every
// contract closed with its last receipt, its income paid out. Prints the
// outcome (each line after `prefix`); false when the income stays put.
bool SettleSeller(Broadcaster& seller, const std::string& income_address, const std::string& prefix,
                  const std::function<void()>& withdraw) {
  withdraw();
  seller.CloseAll("the node stopped");
  auto totals = seller.totals();
  auto paid_out = seller.WithTracker([&](TrackerClient& c) {
    return c.Call("closeIncomeAddress", {{"address", income_address}});
  });
  if (!paid_out) {
    Say(prefix + "income stays at " + income_address + ": " + paid_out.error().message);
    return false;
  }
  Say(prefix + "settled: earned " + std::to_string(totals.earned) + " for " +
      std::to_string(totals.segments_paid) + " segments in " + std::to_string(totals.contracts) +
      " contracts; paid out " + std::to_string((*paid_out)["paid_out"].get<uint64_t>()) + " to " +
      (*paid_out)["to"].get<std::string>() + ", balance " +
      std::to_string((*paid_out)["balance"].get<uint64_t>()));
  return true;
}

int Keygen(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"out"}, {});
  if (!args) return Fail(args.error());
  auto out = args->Require("out");
  if (!out) return Fail(out.error());
  auto key = CreateKeyFile(*out);
  if (!key) return Fail(key.error());
  std::cout << "key file:   " << *out << "\n"
            << "public key: " << key->public_key().ToHex() << "\n"
            << "address:    " << AddressOf(key->public_key()) << "\n"
            << "code:       " << KeyCode(key->public_key()) << "\n";
  return 0;
}

int Wallet(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"tracker", "key", "to", "amount"}, {"json"});
  if (!args) return Fail(args.error());
  auto url = args->Require("tracker");
  auto key_path = args->Require("key");
  if (!url) return Fail(url.error());
  if (!key_path) return Fail(key_path.error());
  if (args->positional().size() != 1) return Fail("say balance or transfer (see --help)");
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());
  auto client = Connect(*url, *key);
  if (!client) return Fail(client.error());
  std::string address = AddressOf(key->public_key());
  const std::string& action = args->positional()[0];
  if (action == "balance") {
    auto account = (*client)->Call("account", {{"address", address}});
    if (!account) return Fail(account.error());
    if (args->Has("json")) {
      std::cout << json{{"address", address}, {"balance", (*account)["balance"]}}.dump()
                << std::endl;
    } else {
      std::cout << "address " << address << " balance " << (*account)["balance"] << std::endl;
    }
    return 0;
  }
  if (action == "transfer") {
    auto to = args->Require("to");
    auto amount = args->Integer("amount", -1, 1, int64_t{1} << 53);
    if (!to) return Fail(to.error());
    if (!amount) return Fail(amount.error());
    if (*amount < 0) return Fail("--amount is required");
    auto moved = (*client)->Call("transfer", {{"to", *to}, {"amount", *amount}});
    if (!moved)
      return Fail(std::string(CodeName(moved.error().code)) + ": " + moved.error().message);
    std::cout << moved->dump() << std::endl;
    return 0;
  }
  if (action == "reclaim") {
    uint64_t moved = 0;
    for (const char* kind : {"Spend", "Income"}) {
      json params = std::string(kind) == "Spend" ? json{{"deposit", 0}} : json::object();
      auto special = (*client)->Call(std::string("get") + kind + "Address", params);
      if (!special) return Fail(special.error());
      auto closed = (*client)->Call(std::string("close") + kind + "Address",
                                    {{"address", (*special)["address"]}});
      if (!closed)
        return Fail(std::string(CodeName(closed.error().code)) + ": " + closed.error().message);
      moved += (*closed)["paid_out"].get<uint64_t>();
    }
    auto account = (*client)->Call("account", {{"address", address}});
    if (!account) return Fail(account.error());
    std::cout << "reclaimed " << moved << "; address " << address << " balance "
              << (*account)["balance"] << std::endl;
    return 0;
  }
  return Fail("unknown wallet action '" + action + "' (see --help)");
}

int Broadcast(int argc, char** argv) {
  auto args =
      Args::Parse(argc, argv, 2,
                  {"tracker", "key", "stream", "listen", "price", "hls-dir", "source", "playlist",
                   "segment-seconds", "state-dir", "advertise-url", "receipt-timeout", "ttl"},
                  {});
  if (!args) return Fail(args.error());
  auto url = args->Require("tracker");
  auto key_path = args->Require("key");
  auto stream = args->Require("stream");
  auto listen = args->Require("listen");
  auto price = args->Integer("price", -1, 0, int64_t{1} << 53);
  auto segment_seconds = args->Integer("segment-seconds", 2, 1, 60);
  auto receipt_timeout = args->Integer("receipt-timeout", 15, 1, 3600);
  auto ttl = args->Integer("ttl", 30, 5, 3600);
  for (const auto* r : {&url, &key_path, &stream, &listen}) {
    if (!*r) return Fail(r->error());
  }
  for (const auto* r : {&price, &segment_seconds, &receipt_timeout, &ttl}) {
    if (!*r) return Fail(r->error());
  }
  if (*price < 0) return Fail("--price is required");
  if (!IsValidName(*stream)) return Fail("--stream: 1 to 64 letters, digits, '.', '_' or '-'");
  if (args->Has("hls-dir") == args->Has("source"))
    return Fail("give one of --hls-dir DIR or --source FILE");
  auto where = ParseHostPort(*listen);
  if (!where) return Fail(where.error());
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());

  SignalWatcher signals;
  StopFlag stop;
  signals.Start([&] { stop.Set(); });

  auto seller = PrepareSeller(*url, *key, args->Get("state-dir").value_or(*key_path + ".state"));
  if (!seller) return Fail(seller.error());

  std::optional<ScratchDir> encoded;  // where ffmpeg writes, with --source
  Encoder encoder;
  std::filesystem::path hls_dir;
  if (auto dir = args->Get("hls-dir")) {
    hls_dir = *dir;
  } else {
    encoded.emplace("tollstream-hls");
    if (encoded->path().empty()) return Fail("cannot create a temporary directory");
    hls_dir = encoded->path();
    if (Status s = encoder.Start(*args->Get("source"), hls_dir, static_cast<int>(*segment_seconds));
        !s) {
      return Fail(s.error());
    }
  }
  auto playlist = FindPlaylist(hls_dir, args->Get("playlist").value_or(""));
  if (!playlist) return Fail(playlist.error());
  SegmentSource source(*playlist, *stream, *key);

  BroadcasterConfig config;
  config.stream = *stream;
  config.price = static_cast<uint64_t>(*price);
  config.income_address = seller->income_address;
  config.receipt_timeout_seconds = *receipt_timeout;
  EventFeed feed;  // the status page's figures
  Metrics metrics;
  config.on_event = [&feed](const std::string& line) {
    Say(line);
    feed.Publish("log", line);
  };
  config.metrics = &metrics;
  Broadcaster broadcaster(*key, std::move(seller->tracker), source, *seller->store, config);
  broadcaster.CloseStored();

  PeerServer server;
  server.ServeBroadcaster(broadcaster, feed);
  server.Instrument(metrics);
  auto bound = server.Bind(*where);
  if (!bound) return Fail(bound.error());
  server.Start();
  std::string advertised = args->Get("advertise-url").value_or(bound->Url());
  Say("listening on " + bound->Url());
  Say("status page " + bound->Url() + "/");
  Say("broadcasting " + *stream + " at " + advertised + " price " + std::to_string(*price));
  Say("broadcaster " + key->public_key().ToHex() + " code " + KeyCode(key->public_key()));
  Say("income address " + config.income_address);

  auto announce = [&](int64_t seconds) {
    return broadcaster.WithTracker([&](TrackerClient& c) {
      return c.Call(
          "announce",
          {{"stream", *stream}, {"url", advertised}, {"price", *price}, {"ttl", seconds}});
    });
  };
  if (auto a = announce(*ttl); !a) return Fail("announce: " + a.error().message);
  auto next_announce = std::chrono::steady_clock::now() + std::chrono::seconds(*ttl / 3);
  // The status page: the figures when they change, with the income
  // balance asked again whenever more was earned.
  std::optional<uint64_t> income_balance;
  std::optional<uint64_t> balance_for_earned;
  json shown;
  auto publish_status = [&] {
    uint64_t earned = broadcaster.totals().earned;
    if (balance_for_earned != earned) {
      auto account = broadcaster.WithTracker([&](TrackerClient& c) {
        return c.Call("account", {{"address", config.income_address}});
      });
      if (account) {
        income_balance = FindAmount(*account, "balance");
        balance_for_earned = earned;
      }
    }
    json status = broadcaster.Snapshot();
    status["url"] = advertised;
    status["income_balance"] = income_balance ? json(*income_balance) : json(nullptr);
    if (status != shown) {
      feed.SetState(status);
      shown = std::move(status);
    }
  };
  publish_status();
  while (!stop.WaitFor(std::chrono::milliseconds(500))) {
    broadcaster.CloseQuiet();
    publish_status();
    if (std::chrono::steady_clock::now() >= next_announce) {
      if (auto a = announce(*ttl); !a) LogWarn("announce: " + a.error().message);
      next_announce = std::chrono::steady_clock::now() + std::chrono::seconds(*ttl / 3);
    }
    int status = 0;
    if (args->Has("source") && !encoder.Running(&status) && status != 0) {
      LogWarn("ffmpeg exited with status " + std::to_string(status));
    }
  }

  // Shut down cleanly: no new requests, every contract settled, income paid out.
  feed.Close();
  server.Stop();
  encoder.Stop();
  return SettleSeller(broadcaster, config.income_address, "", [&] { (void)announce(0); }) ? 0 : 1;
}

int Watch(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2,
                          {"tracker", "key", "stream", "budget", "listen", "out", "store-dir",
                           "origin", "price", "advertise-url", "state-dir", "ttl"},
                          {"exit-at-end", "relay"});
  if (!args) return Fail(args.error());
  auto url = args->Require("tracker");
  auto key_path = args->Require("key");
  auto stream = args->Require("stream");
  auto listen = args->Require("listen");
  auto budget = args->Integer("budget", -1, 0, int64_t{1} << 53);
  for (const auto* r : {&url, &key_path, &stream, &listen}) {
    if (!*r) return Fail(r->error());
  }
  if (!budget) return Fail(budget.error());
  if (*budget < 0) return Fail("--budget is required");
  if (!IsValidName(*stream)) return Fail("--stream: 1 to 64 letters, digits, '.', '_' or '-'");
  auto where = ParseHostPort(*listen);
  if (!where) return Fail(where.error());
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());
  std::optional<PublicKey> origin;
  if (auto hex = args->Get("origin")) {
    origin = PublicKey::FromHex(*hex);
    if (!origin) return Fail("--origin: a public key, 64 hex digits");
  }
  bool relaying = args->Has("relay");
  auto price = args->Integer("price", -1, 0, int64_t{1} << 53);
  auto ttl = args->Integer("ttl", 30, 5, 3600);
  if (!price) return Fail(price.error());
  if (!ttl) return Fail(ttl.error());
  if (relaying && *price < 0) return Fail("--relay needs --price");
  if (!relaying && *price >= 0) return Fail("--price is for --relay");

  SignalWatcher signals;
  StopFlag stop;

  ScratchDir scratch("tollstream-watch");
  std::string store_dir = args->Get("store-dir").value_or(scratch.path());
  std::error_code ec;
  std::filesystem::create_directories(store_dir, ec);
  if (store_dir.empty() || ec) return Fail("cannot create a directory for the segments");
  LocalHls local(store_dir, *stream);
  EventFeed feed;  // the page's figures
  Metrics metrics;
  StopFlag stop_buying;  // the page's stop button, or a signal
  signals.Start([&] {
    stop.Set();
    stop_buying.Set();
  });

  ViewerConfig config;
  config.tracker_url = *url;
  config.stream = *stream;
  config.budget = static_cast<uint64_t>(*budget);
  config.out_path = args->Get("out").value_or("");
  config.on_event = Say;
  config.feed = &feed;
  config.metrics = &metrics;
  config.wait_for_top_up = !args->Has("exit-at-end");
  config.origin = origin;

  // A relay: sells what the viewer bought, under its own contracts.
  RelaySupply supply(origin);
  Seller seller;
  std::unique_ptr<Broadcaster> relay;
  if (relaying) {
    auto prepared =
        PrepareSeller(*url, *key, args->Get("state-dir").value_or(*key_path + ".relay-state"));
    if (!prepared) return Fail(prepared.error());
    seller = std::move(*prepared);
    BroadcasterConfig terms;
    terms.stream = *stream;
    terms.price = static_cast<uint64_t>(*price);
    terms.income_address = seller.income_address;
    terms.on_event = [&feed](const std::string& line) {
      Say("relay: " + line);
      feed.Publish("log", "relay: " + line);
    };
    terms.metrics = &metrics;
    relay = std::make_unique<Broadcaster>(*key, std::move(seller.tracker), supply, *seller.store,
                                          terms);
    relay->CloseStored();
    config.on_segment = [&supply](const SegmentStatement& st, const std::string& bytes) {
      supply.Add(st, bytes);
    };
    config.on_finished = [&supply] { supply.SetFinished(); };
  }
  Viewer viewer(*key, config, local);
  feed.SetState(viewer.figures().ToJson());

  WatchControls controls;
  controls.feed = &feed;
  controls.status = [&viewer] { return viewer.figures().ToJson(); };
  controls.top_up = [&viewer](uint64_t amount) { return viewer.TopUp(amount); };
  controls.stop = [&stop_buying] { stop_buying.Set(); };
  PeerServer server;
  server.ServeViewer(local, controls);
  if (relay) server.ServeSellerApi(*relay);
  server.Instrument(metrics);
  auto bound = server.Bind(*where);
  if (!bound) return Fail(bound.error());
  server.Start();
  Say("serving " + bound->Url() + "/" + *stream + ".m3u8");
  Say("watch page " + bound->Url() + "/");

  // The relay announces itself once it holds a segment, renews, and closes
  // the contracts of quiet viewers, until the node stops.
  std::string advertised = args->Get("advertise-url").value_or(bound->Url());
  std::atomic<bool> relay_done{false};
  std::thread relay_loop;
  auto announce = [&](int64_t seconds) {
    return relay->WithTracker([&](TrackerClient& c) {
      return c.Call("announce", {{"stream", *stream},
                                 {"origin", supply.origin().ToHex()},
                                 {"url", advertised},
                                 {"price", *price},
                                 {"ttl", seconds}});
    });
  };
  if (relay) {
    relay_loop = std::thread([&] {
      bool announced = false;
      auto next = std::chrono::steady_clock::now();
      while (!relay_done) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        relay->CloseQuiet();
        if (!supply.Info().available || std::chrono::steady_clock::now() < next) continue;
        auto a = announce(*ttl);
        if (!a) {
          LogWarn("relay announce: " + a.error().message);
        } else if (!announced) {
          announced = true;
          Say("relaying " + *stream + " of origin " + supply.origin().ToHex() + " at " +
              advertised + " price " + std::to_string(*price));
        }
        next = std::chrono::steady_clock::now() + std::chrono::seconds(*ttl / 3);
      }
    });
  }
  // Stops the relay: no more announcements, every contract settled, income paid out.
  auto stop_relay = [&]() -> bool {
    if (!relay) return true;
    relay_done = true;
    if (relay_loop.joinable()) relay_loop.join();
    return SettleSeller(*relay, seller.income_address, "relay ", [&] { (void)announce(0); });
  };

  auto outcome = viewer.Run(stop_buying.flag());
  if (outcome && outcome->stream_ended) supply.End();
  if (!outcome) {
    feed.Close();
    server.Stop();
    stop_relay();
    return Fail(outcome.error());
  }
  if (!args->Has("exit-at-end")) {
    Say("serving what was bought until interrupted");
    while (!stop.WaitFor(std::chrono::seconds(1))) {
    }
  }
  feed.Close();
  server.Stop();
  bool relay_settled = stop_relay();
  Say("bye");
  return relay_settled ? 0 : 1;
}

}  // namespace

int PeerMain(int argc, char** argv) {
  static constexpr CliCommand kCommands[] = {{"keygen", kKeygenHelp, Keygen},
                                             {"wallet", kWalletHelp, Wallet},
                                             {"broadcast", kBroadcastHelp, Broadcast},
                                             {"watch", kWatchHelp, Watch}};
  return RunCommandTable("peer", kUsage, kCommands, argc, argv);
}

}  // namespace tollstream
