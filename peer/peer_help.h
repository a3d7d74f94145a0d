// What `peer --help` and `peer COMMAND --help` print: each command's
// usage, options and defaults.
#pragma once

namespace tollstream::peer_help {

inline constexpr const char* kUsage = R"(usage: peer <command> [options]

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

inline constexpr const char* kKeygenHelp = R"(usage: peer keygen --out FILE [--passphrase]

Creates a key file (mode 0600) and prints its public key (tollpub1…), its
address (toll1…) and its 6-digit code (compare codes aloud to be sure of a
key), and both in hex.

With --passphrase, the key is sealed under a passphrase (scrypt and
AES-256-GCM), so that a copy of the file alone does not give the key away.
The passphrase comes from the environment variable TOLLSTREAM_KEY_PASSPHRASE,
else it is asked twice on the terminal; every command that loads the file
then asks for it the same way.
)";

inline constexpr const char* kBroadcastHelp =
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

inline constexpr const char* kWatchHelp =
    R"(usage: peer watch --tracker URL --key FILE [--stream NAME] --budget N
                  --listen 127.0.0.1:PORT [--out FILE] [--exit-at-end]
                  [--origin KEY] [--relay --price P [--advertise-url URL]
                  [--relay-renditions all|NAME,…]]

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
  --max-price P           buy no segment dearer than P tokens: of a stream
                          sold in several renditions, those within P alone
                          (default: any price the budget pays)
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
  --relay-renditions LIST of a stream its origin sells in several
                          renditions, re-sell these ("all", or names
                          separated by commas): one viewer of this key buys
                          each (the budget shared in proportion to the
                          origin's prices; this node's player plays the top
                          one); without it, a relay re-sells the one it buys
  --rendition-prices P,P  the relay's price for each of them, the highest
                          --price (default: in proportion to bitrate from
                          --price)
)";

}  // namespace tollstream::peer_help
