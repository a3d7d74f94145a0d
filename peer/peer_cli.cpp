#include "peer/peer_cli.h"

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

#include "common/cli/args.h"
#include "common/cli/command_table.h"
#include "common/cli/host_port.h"
#include "common/cli/key_file.h"
#include "common/cli/log_options.h"
#include "common/cli/passphrase.h"
#include "common/cli/signal_watcher.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "common/protocol/address_text.h"
#include "common/wire/fields.h"
#include "peer/broadcast/ladder.h"
#include "peer/node/broadcast_node.h"
#include "peer/node/console.h"
#include "peer/node/stop_flag.h"
#include "peer/node/watch_node.h"
#include "peer/peer_help.h"
#include "peer/streams_cli.h"
#include "peer/wallet_cli.h"
#include "peer/watch/origin_choice.h"

namespace tollstream {
namespace {

// The exit status of a node's run.
int ExitStatus(const Result<int>& ran) {
  return ran ? *ran : Fail(ran.error());
}

int Keygen(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"out"}, {"passphrase"});
  if (!args) return Fail(args.error());
  auto out = args->Require("out");
  if (!out) return Fail(out.error());
  std::optional<std::string> passphrase;
  if (args->Has("passphrase")) {
    auto typed = ReadPassphrase("the new key file " + *out, /*confirm=*/true);
    if (!typed) return Fail(typed.error());
    passphrase = std::move(*typed);
  }
  auto key = CreateKeyFile(*out, passphrase);
  if (!key) return Fail(key.error());
  std::cout << "key file:         " << *out << "\n" << KeyLines(key->public_key());
  return 0;
}

constexpr const char* kBadStream = "--stream: 1 to 64 letters, digits, '.', '_' or '-'";

// What every node must be given: the tracker, the key, the stream and the
// listen address.
struct NodeArgs {
  std::string tracker_url;
  std::string key_path;
  std::string stream;
  std::string listen;
};

// `stream_required`: false for `peer watch`, which may choose it on its page.
Result<NodeArgs> ReadNodeArgs(const Args& args, bool stream_required = true) {
  auto url = args.Require("tracker");
  auto key_path = args.Require("key");
  Result<std::string> stream =
      stream_required ? args.Require("stream") : args.Get("stream").value_or("");
  auto listen = args.Require("listen");
  for (const auto* r : {&url, &key_path, &stream, &listen}) {
    if (!*r) return r->error();
  }
  return NodeArgs{*url, *key_path, *stream, *listen};
}

int Broadcast(int argc, char** argv) {
  auto args =
      Args::Parse(argc, argv, 2,
                  WithLogOptions({"tracker", "key", "stream", "listen", "price", "hls-dir",
                                  "source", "playlist", "segment-seconds", "state-dir",
                                  "advertise-url", "receipt-timeout", "ttl", "title", "description",
                                  "ingest", "ingest-timeout", "renditions", "rendition-prices"}),
                  {});
  if (!args) return Fail(args.error());
  if (Status logs = ApplyLogOptions(*args); !logs) return Fail(logs.error());
  auto node = ReadNodeArgs(*args);
  auto price = args->Integer("price", -1, 0, int64_t{1} << 53);
  auto segment_seconds = args->Integer("segment-seconds", 2, 1, 60);
  auto receipt_timeout = args->Integer("receipt-timeout", 15, 1, 3600);
  auto ttl = args->Integer("ttl", 30, 5, 3600);
  auto ingest_timeout = args->Integer("ingest-timeout", 300, 10, 7 * 24 * 3600);
  if (!node) return Fail(node.error());
  for (const auto* r : {&price, &segment_seconds, &receipt_timeout, &ttl, &ingest_timeout}) {
    if (!*r) return Fail(r->error());
  }
  if (*price < 0) return Fail("--price is required");
  if (!IsValidName(node->stream)) return Fail(kBadStream);
  if (args->Has("hls-dir") + args->Has("source") + args->Has("ingest") != 1) {
    return Fail("give one of --hls-dir DIR, --source FILE or --ingest URL");
  }
  std::string title = args->Get("title").value_or("");
  std::string description = args->Get("description").value_or("");
  if (title.size() > 100) return Fail("--title: at most 100 bytes");
  if (description.size() > 1000) return Fail("--description: at most 1000 bytes");
  auto where = ParseHostPort(node->listen);
  if (!where) return Fail(where.error());
  auto named = args->Get("renditions");
  if (named && (args->Has("hls-dir") || args->Get("ingest").value_or("").starts_with("rtmp://")))
    return Fail("--renditions is for --source or --ingest srt://");
  if (!named && !args->Has("hls-dir") && args->Has("rendition-prices"))
    return Fail("--rendition-prices is for --renditions, or a master playlist in --hls-dir");
  auto ladder = PricedRenditions(named.value_or(""), static_cast<uint64_t>(*price),
                                 args->Get("rendition-prices").value_or(""));
  if (named && !ladder) return Fail(ladder.error());
  auto key = LoadKeyFile(node->key_path);
  if (!key) return Fail(key.error());

  BroadcastOptions options;
  if (named) options.renditions = std::move(*ladder);
  options.rendition_prices = args->Get("rendition-prices").value_or("");
  options.title = std::move(title);
  options.description = std::move(description);
  options.tracker_url = node->tracker_url;
  options.stream = node->stream;
  options.listen = *where;
  options.price = static_cast<uint64_t>(*price);
  options.hls_dir = args->Get("hls-dir").value_or("");
  options.source = args->Get("source").value_or("");
  options.ingest = args->Get("ingest").value_or("");
  options.ingest_timeout_seconds = *ingest_timeout;
  options.playlist = args->Get("playlist").value_or("");
  options.segment_seconds = static_cast<int>(*segment_seconds);
  options.state_dir = args->Get("state-dir").value_or(node->key_path + ".state");
  options.advertise_url = args->Get("advertise-url");
  options.receipt_timeout_seconds = *receipt_timeout;
  options.ttl = *ttl;

  SignalWatcher signals;
  StopFlag stop;
  signals.Start([&] { stop.Set(); });
  BroadcastNode broadcaster(std::move(*key), std::move(options));
  return ExitStatus(broadcaster.Run(stop));
}

// The relay's options of `peer watch`, when --relay is given.
Result<std::optional<RelayOptions>> ReadRelayArgs(const Args& args, const NodeArgs& node) {
  bool relaying = args.Has("relay");
  auto price = args.Integer("price", -1, 0, int64_t{1} << 53);
  auto ttl = args.Integer("ttl", 30, 5, 3600);
  if (!price) return price.error();
  if (!ttl) return ttl.error();
  if (relaying && *price < 0) return MakeError(ErrorCode::kInvalidField, "--relay needs --price");
  if (!relaying && *price >= 0)
    return MakeError(ErrorCode::kInvalidField, "--price is for --relay");
  if (!relaying) return std::optional<RelayOptions>();
  RelayOptions relay;
  relay.tracker_url = node.tracker_url;
  relay.stream = node.stream;
  relay.price = static_cast<uint64_t>(*price);
  relay.ttl = *ttl;
  relay.state_dir = args.Get("state-dir").value_or(node.key_path + ".relay-state");
  return std::optional<RelayOptions>(std::move(relay));
}

int Watch(int argc, char** argv) {
  auto args = Args::Parse(
      argc, argv, 2,
      WithLogOptions({"tracker", "key", "stream", "budget", "listen", "out", "store-dir", "origin",
                      "price", "advertise-url", "state-dir", "ttl", "wait", "reconnect",
                      "max-price", "rendition", "relay-renditions", "rendition-prices"}),
      {"exit-at-end", "relay"});
  if (!args) return Fail(args.error());
  if (Status logs = ApplyLogOptions(*args); !logs) return Fail(logs.error());
  auto node = ReadNodeArgs(*args, /*stream_required=*/false);
  auto budget = args->Integer("budget", -1, 0, int64_t{1} << 53);
  auto wait = args->Integer("wait", 0, 0, 3600);
  auto reconnect = args->Integer("reconnect", 30, 1, 3600);
  auto max_price = args->Integer("max-price", -1, 0, int64_t{1} << 53);
  if (!node) return Fail(node.error());
  if (!budget) return Fail(budget.error());
  if (!wait) return Fail(wait.error());
  if (!reconnect) return Fail(reconnect.error());
  if (!max_price) return Fail(max_price.error());
  if (*budget < 0) return Fail("--budget is required");
  if (!node->stream.empty() && !IsValidName(node->stream)) return Fail(kBadStream);
  if (node->stream.empty()) {
    for (const char* needs : {"relay", "origin"}) {
      if (args->Has(needs)) return Fail(std::string("--") + needs + " needs --stream");
    }
  }
  auto where = ParseHostPort(node->listen);
  if (!where) return Fail(where.error());
  auto key = LoadKeyFile(node->key_path);
  if (!key) return Fail(key.error());
  WatchOptions options;
  if (auto spec = args->Get("origin")) {
    if (IsWholeKey(*spec) || spec->starts_with(kAddressPrefix)) {  // toll1…, tollpub1…
      auto origin = ParseKeyText(*spec);
      if (!origin) return Fail("--origin: " + origin.error().message);
      options.origin = *origin;
    } else {
      options.origin_spec = *spec;  // a code or a key's first digits, resolved at start
    }
  }
  auto relay = ReadRelayArgs(*args, *node);
  if (!relay) return Fail(relay.error());
  if (*relay) relay->value().origin = options.origin;
  options.tracker_url = node->tracker_url;
  options.stream = node->stream;
  options.budget = static_cast<uint64_t>(*budget);
  options.listen = *where;
  options.out_path = args->Get("out").value_or("");
  options.store_dir = args->Get("store-dir").value_or("");
  options.exit_at_end = args->Has("exit-at-end");
  options.wait_for_stream_seconds = *wait;
  options.reconnect_seconds = *reconnect;
  if (*max_price >= 0) options.max_price = static_cast<uint64_t>(*max_price);
  options.rendition = args->Get("rendition").value_or("");
  options.relay = std::move(*relay);
  options.relay_renditions = args->Get("relay-renditions").value_or("");
  options.relay_rendition_prices = args->Get("rendition-prices").value_or("");
  if (!options.relay_renditions.empty() && !options.relay) {
    return Fail("--relay-renditions is for --relay");
  }
  if (!options.relay_renditions.empty() && !options.rendition.empty()) {
    return Fail("--rendition is for a relay of one rendition; --relay-renditions names them all");
  }
  if (!options.relay_rendition_prices.empty() && options.relay_renditions.empty()) {
    return Fail("--rendition-prices is for --relay-renditions");
  }
  options.advertise_url = args->Get("advertise-url");

  SignalWatcher signals;
  StopFlag stop;
  StopFlag stop_buying;  // the page's stop button, or a signal
  signals.Start([&] {
    stop.Set();
    stop_buying.Set();
  });
  WatchNode viewer(std::move(*key), std::move(options));
  return ExitStatus(viewer.Run(stop, stop_buying));
}

}  // namespace

int PeerMain(int argc, char** argv) {
  using namespace peer_help;
  static constexpr CliCommand kCommands[] = {{"keygen", kKeygenHelp, Keygen},
                                             {"wallet", kWalletHelp, WalletCommand},
                                             {"broadcast", kBroadcastHelp, Broadcast},
                                             {"streams", kStreamsHelp, StreamsCommand},
                                             {"watch", kWatchHelp, Watch}};
  return RunCommandTable("peer", kUsage, kCommands, argc, argv);
}

}  // namespace tollstream
