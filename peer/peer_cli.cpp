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
#include "peer/streams_cli.h"
#include "peer/wallet_cli.h"
#include "peer/watch/origin_choice.h"

namespace tollstream {
namespace {

constexpr const char* kUsage = R"(usage: peer <command> [options]

commands:
  keygen     create a key file
  wallet     show the balance of your address, or transfer tokens
  broadcast  sell the segments of a stream
  streams    list the streams live at a tracker
  watch      buy a stream and serve it to a local player

Run `peer <command> --help` for a command's options; `peer --version` says
which build this is.

--tracker takes a URL, or several URLs of trackers that serve one ledger,
separated by commas: a request that one does not answer is sent, the same
bytes, to the next.

Every option may also come from the environment, TOLLSTREAM_<NAME> (e.g.
TOLLSTREAM_TRACKER for --tracker), or from a config file given with
--config FILE ("name = value" a line); the command line wins, then the
environment. broadcast and watch take --log-level debug|info|warn|error
and --log-format text|json, and answer GET /healthz and GET /readyz (their
state or store directory takes a synced write).
)";

constexpr const char* kKeygenHelp = R"(usage: peer keygen --out FILE [--passphrase]

Creates a key file (mode 0600) and prints its public key (tollpub1…), its
address (toll1…) and its 6-digit code (compare codes aloud to be sure of a
key), and both in hex.

With --passphrase, the key is sealed under a passphrase (scrypt and
AES-256-GCM), so that a copy of the file alone does not give the key away.
The passphrase comes from the environment variable TOLLSTREAM_KEY_PASSPHRASE,
else it is asked twice on the terminal; every command that loads the file
then asks for it the same way.
)";

constexpr const char* kBroadcastHelp =
    R"(usage: peer broadcast --tracker URL --key FILE --stream NAME --listen HOST:PORT
                      --price N (--hls-dir DIR | --source FILE | --ingest URL) [options]

Sells the segments of a stream, each for N tokens, to viewers who pay with
signed receipts. With --hls-dir it follows the HLS playlist an encoder
(ffmpeg, OBS) writes into DIR; with --source it runs ffmpeg on FILE itself,
in real time; with --ingest rtmp://HOST:PORT/APP/KEY (nginx's RTMP module
listening, asking the node about each publisher's stream key) or --ingest
srt://HOST:PORT?passphrase=KEY (ffmpeg listening; the passphrase is the
key, 10 to 79 characters) it waits for a streamer (OBS: Settings > Stream >
Custom) and sells what arrives, copied into segments as sent (a keyframe
interval of 2 s gives 2 s segments); a sender with another key is
refused. The stream is
announced once its first segment exists; a streamer who leaves may come
back (the stream goes on), until --ingest-timeout. Announces the stream at the tracker and renews it while it
runs. On SIGINT or SIGTERM it closes every contract with its last receipt,
withdraws the stream, pays its income out to its ordinary address and exits 0.
http://HOST:PORT/ is a status page (viewers, segments sold, tokens earned,
receipts per viewer, income balance), live; GET /metrics gives the node's
figures in the Prometheus format.

options:
  --playlist NAME         the playlist in --hls-dir (default: its only .m3u8)
  --segment-seconds S     segment length with --source or --ingest (default 2)
  --ingest-timeout S      with --ingest, end the stream after S seconds
                          without a streamer (default 300)
  --state-dir DIR         where open contracts and their last receipts are
                          kept, to close them after a crash (default FILE.state)
  --advertise-url URL     the URL viewers use (default http://HOST:PORT of
                          --listen; listening on 0.0.0.0 or [::], the
                          address of this machine that faces the tracker)
  --receipt-timeout S     close a contract whose viewer sends no receipt for
                          S seconds (default 15)
  --ttl S                 announcement time-to-live (default 30; renewed at S/3)
  --title TEXT            the stream's title in the tracker's directory
                          (`peer streams`; at most 100 bytes)
  --description TEXT      a description beside it (at most 1000 bytes)
  --renditions LIST       with --source or --ingest srt://, sell several
                          qualities made by one ffmpeg (segments aligned),
                          NAME:BITRATE[:HEIGHT],… from the top down, e.g.
                          1080p:6000k,720p:3000k,360p:800k. --price is the
                          top one's, the others' in proportion to bitrate
                          (at least 1) unless --rendition-prices P,P,…; a
                          master playlist in --hls-dir is sold likewise
)";

constexpr const char* kWatchHelp =
    R"(usage: peer watch --tracker URL --key FILE [--stream NAME] --budget N
                  --listen 127.0.0.1:PORT [--out FILE] [--exit-at-end]
                  [--origin KEY] [--relay --price P [--advertise-url URL]]

Buys the stream from the cheapest live seller within a budget of N tokens,
checks every segment against the origin's signature, pays for it with a
receipt, and serves what it bought as HLS at
http://127.0.0.1:PORT/NAME.m3u8 for any player. Prints progress as it goes.

http://127.0.0.1:PORT/ is a page that plays the stream and shows the figures
live (segments, tokens spent, budget left, the broadcaster's code, receipts),
with buttons to top up the budget and to stop watching. Without --stream,
the page lists the tracker's live streams (searchable) and buys the one
clicked. When buying fails (no source left), the page can retry. When the budget is
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

A stream that is not live, sold above --max-price, or that the budget
cannot pay (a contract takes twice the price to open: the opening charge
and the first segment), is an error at once, naming the live streams the name may be a slip for; a stream
announced but not started yet is waited for (60 s), with word every 3 s.

options:
  --wait S                wait up to S seconds for the stream to be
                          announced (default 0: ask the tracker once)
  --max-price P           buy from no seller asking more than P tokens a
                          segment (default: any price the budget pays)
  --rendition NAME        of a stream sold in several renditions (qualities,
                          each at its own price), buy NAME, at its price
                          (default: the top one)
  --reconnect S           a source that stops answering is waited for S
                          seconds, saying so every 3 s, then looked for
                          again at the tracker for S more (default 30)
  --out FILE              also write every segment's bytes to FILE
  --store-dir DIR         where bought segments are kept (default: a
                          temporary directory removed at exit); a viewer
                          restarted with the same DIR resumes at the first
                          segment its earlier run had not paid for
  --origin KEY            the origin: its public key (tollpub1… or 64 hex
                          digits), its 6-digit code, or
                          the first 6 or more hex digits of its key, as
                          `peer streams` shows them (default: of the origins
                          that sell a stream of that name, the one live
                          longest at the tracker)
  --relay                 also sell the segments bought, at --price P tokens
                          each, under ordinary contracts paid to this key's
                          income address; announced at the tracker as a relay
                          of the origin once the first segment is bought, on
                          this node's --listen address (or --advertise-url)
  --state-dir DIR         the relay's open contracts and last receipts
                          (default FILE.relay-state, FILE the key file)
  --ttl S                 the relay's announcement time-to-live (default 30)
)";

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
  auto args =
      Args::Parse(argc, argv, 2,
                  WithLogOptions({"tracker", "key", "stream", "budget", "listen", "out",
                                  "store-dir", "origin", "price", "advertise-url", "state-dir",
                                  "ttl", "wait", "reconnect", "max-price", "rendition"}),
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
  static constexpr CliCommand kCommands[] = {{"keygen", kKeygenHelp, Keygen},
                                             {"wallet", kWalletHelp, WalletCommand},
                                             {"broadcast", kBroadcastHelp, Broadcast},
                                             {"streams", kStreamsHelp, StreamsCommand},
                                             {"watch", kWatchHelp, Watch}};
  return RunCommandTable("peer", kUsage, kCommands, argc, argv);
}

}  // namespace tollstream
