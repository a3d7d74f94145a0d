// Viewers re-sell what they bought: relays, with real processes on loopback.
// Every segment carries the origin's signature however it travels; a viewer
// picks the cheapest source that answers its probes, and when its source dies
// or cheats it continues from the next segment with another one.
#include <set>

#include "tests/peer/peer_fixture.h"
#include "tests/peer/rendition_output.h"
#include "tests/peer/tampering_proxy.h"

namespace tollstream::test {
namespace {

// A `peer watch --relay` process, once it announced itself.
struct RelayProcess {
  RelayProcess(const TrackerFixture& t, const KeyFile& key, const std::string& stream,
               uint64_t budget, uint64_t price, const std::string& log,
               std::vector<std::string> extra = {})
      : viewer(
            t, key, stream, budget,
            [&] {
              std::vector<std::string> args = {"--relay", "--price", std::to_string(price)};
              args.insert(args.end(), extra.begin(), extra.end());
              return args;
            }(),
            log) {
    auto line = viewer.process.WaitForLine("relaying ", 60s);
    REQUIRE_MESSAGE(line.has_value(), viewer.process.output());
    url = line->substr(line->find(" at ") + 4);
    url = url.substr(0, url.find(' '));
  }
  ViewerProcess viewer;
  std::string url;
};

// How many contracts the node whose output is `output` opened with `seller`.
uint64_t ContractsWith(TrackerFixture& t, const std::string& output, const PublicKey& seller) {
  std::set<std::string> ids;
  for (const json& c : OpenedContracts(t, output))
    if (c["terms"]["broadcaster"] == seller.ToHex()) ids.insert(c["id"].get<std::string>());
  return ids.size();
}

// Waits until `process` has printed `text` anywhere (lines already read included).
bool Printed(Process& process, const std::string& text, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (process.output().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
  return true;
}

// The bytes of the live stream in `dir` (once its encoder finished) from the
// segment a viewer joined at, as its output says, to the end.
std::string FromJoinToEnd(const std::string& dir, const std::string& viewer_output) {
  SourceSegments source = ReadSource(dir);
  uint64_t joined = std::stoull(viewer_output.substr(viewer_output.find("from segment ") + 13));
  std::string bytes;
  for (size_t i = joined; i < source.bytes.size(); ++i) bytes += source.bytes[i];
  return bytes;
}

// A finished 6-segment stream sold by its origin at 6, with keys and funds
// for a relay (r) and a viewer (c).
struct FinishedStream {
  FinishedStream() {
    for (const auto& s : source.bytes) all += s;
    t.Mint(r.address(), 100);
    t.Mint(c.address(), 100);
  }
  // Stops the relay and the origin, each settling with exit status 0.
  void Stop(RelayProcess& relay) {
    relay.viewer.process.Signal(SIGINT);
    CHECK(relay.viewer.process.Wait(30s) == 0);
    origin.process.Signal(SIGINT);
    CHECK(origin.process.Wait(30s) == 0);
  }
  // A relay at `price` whose announced URL leads through `proxy`, once it
  // has bought the whole stream.
  std::unique_ptr<RelayProcess> RelayBehind(TamperingProxy& proxy, uint64_t price) {
    auto relay =
        std::make_unique<RelayProcess>(t, r, "vod", 100, price, dir / "r.log",
                                       std::vector<std::string>{"--advertise-url", proxy.url()});
    const std::string& url = relay->viewer.playlist_url;
    proxy.SetTarget(url.substr(0, url.find('/', 7)));
    REQUIRE(Printed(relay->viewer.process, "stopped buying: the stream ended", 60s));
    return relay;
  }
  // A viewer that buys the whole stream into out.ts; what it printed.
  std::string WatchAll() {
    ViewerProcess viewer(t, c, "vod", 100, {"--exit-at-end", "--out", dir / "out.ts"},
                         dir / "c.log");
    REQUIRE_MESSAGE(viewer.process.Wait(90s) == 0, viewer.process.output());
    return viewer.process.output();
  }
  TempDir dir;
  std::string vod = dir / "vod";
  bool made = (MakeTestVideo(vod, 12), true);  // before the origin starts on it
  SourceSegments source = ReadSource(vod);
  std::string all;  // every segment's bytes, in order
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r = NewKeyFile(dir / "r.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  BroadcasterProcess origin{t, o, "vod", 6, {"--hls-dir", vod}, dir / "o.log"};
};

}  // namespace

TEST_CASE("origin -> relay -> viewer: the origin's bytes, each hop paid exactly") {
  FinishedStream f;
  auto [dir, t, o, r, c] = std::tie(f.dir, f.t, f.o, f.r, f.c);
  RelayProcess relay(t, r, "vod", 100, 4, dir / "r.log");
  REQUIRE(Printed(relay.viewer.process, "stopped buying: the stream ended", 60s));

  // A relay cannot pass for the origin: the tracker names each seller's role.
  auto lookup = t.NewClient()->Call("lookup", {{"stream", "vod"}});
  REQUIRE(lookup.ok());
  REQUIRE((*lookup)["broadcasters"].size() == 2);
  for (const auto& s : (*lookup)["broadcasters"]) {
    CHECK(s["origin"] == o.key.public_key().ToHex());
    CHECK(s["role"] == (s["broadcaster"] == o.key.public_key().ToHex() ? "origin" : "relay"));
  }

  // The relay is the cheaper: the viewer buys there, checking the origin's signatures.
  ViewerProcess viewer(t, c, "vod", 100, {"--exit-at-end", "--out", dir / "out.ts"}, dir / "c.log");
  REQUIRE(viewer.process.Wait(90s) == 0);
  std::string out = viewer.process.output();
  CHECK(out.find("relay " + r.key.public_key().ToHex() + " code " + KeyCode(r.key.public_key())) !=
        std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  CHECK(ReadWholeFile(dir / "out.ts") == f.all);

  f.Stop(relay);
  // The viewer paid the relay 6 x 4; the relay paid the origin 6 x 6; each
  // contract also paid its seller an opening charge of one segment's price.
  CHECK(PaidTo(t, out, r.key.public_key()) == 24);
  CHECK(PaidTo(t, relay.viewer.process.output(), o.key.public_key()) == 36);
  CHECK(Balance(t, c.address()) == 100 - 24 - 4);
  CHECK(Balance(t, r.address()) == 100 - 36 - 6 + 24 + 4);
  CHECK(Balance(t, o.address()) == 36 + 6);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "the relay is killed mid-stream: the viewer goes on from the origin, every segment once, in "
    "order") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 24);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r = NewKeyFile(dir / "r.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(r.address(), 1000);
  t.Mint(c.address(), 1000);
  REQUIRE(WaitForSegments(live, 1, 30s));
  BroadcasterProcess origin(t, o, "live", 6, {"--hls-dir", live}, dir / "o.log");
  RelayProcess relay(t, r, "live", 1000, 4, dir / "r.log");
  ViewerProcess viewer(t, c, "live", 1000, {"--exit-at-end", "--out", dir / "out.ts"},
                       dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("relay " + r.key.public_key().ToHex(), 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  relay.viewer.process.Signal(SIGKILL);
  REQUIRE(relay.viewer.process.Wait(10s) >= 0);

  REQUIRE_MESSAGE(viewer.process.Wait(120s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("switching source: ") != std::string::npos);
  CHECK(out.find("broadcaster " + o.key.public_key().ToHex()) != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);

  // The bytes are the origin's segments from where the viewer joined to the
  // end, each once, in order; ffmpeg reads them end to end.
  encoder->Wait(60s);
  auto bought = ReadWholeFile(dir / "out.ts");
  REQUIRE(bought.has_value());
  std::string expected = FromJoinToEnd(live, out);
  CHECK(bought->size() == expected.size());
  CHECK(*bought == expected);
  FrameChecksums(dir / "out.ts");  // fails the test if ffmpeg cannot read it

  origin.process.Signal(SIGINT);
  CHECK(origin.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("the origin dies under a relay and its viewer: the relay never buys from itself") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r = NewKeyFile(dir / "r.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(r.address(), 1000);
  t.Mint(c.address(), 1000);
  REQUIRE(WaitForSegments(live, 1, 30s));
  BroadcasterProcess origin(t, o, "live", 6, {"--hls-dir", live}, dir / "o.log");
  RelayProcess relay(t, r, "live", 1000, 4, dir / "r.log");
  ViewerProcess viewer(t, c, "live", 1000, {}, dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  origin.process.Signal(SIGKILL);
  REQUIRE(origin.process.Wait(10s) == 128 + SIGKILL);
  // Long enough for the relay to look for another source (after 5 s of
  // silence when another one sells): its own announcement is the only one.
  std::this_thread::sleep_for(12s);
  std::string out = relay.viewer.process.output();
  INFO(out);
  // It never chose itself as a source, and no contract has it on both sides
  // (the tracker refuses one: a key cannot buy from itself).
  auto client = t.NewClient();
  for (size_t at = 0; (at = out.find("contract ", at)) != std::string::npos;) {
    at += 9;
    auto k = client->Call("contract", {{"id", out.substr(at, 64)}});
    if (k) CHECK((*k)["terms"]["viewer"] != (*k)["terms"]["broadcaster"]);
  }
  CHECK(out.find("broadcaster " + r.key.public_key().ToHex()) == std::string::npos);
  CHECK(out.find("relay " + r.key.public_key().ToHex()) == std::string::npos);
  relay.viewer.process.Signal(SIGINT);
  CHECK(relay.viewer.process.Wait(60s) == 0);
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(60s) == 0);
  encoder->Signal(SIGTERM);
}

TEST_CASE("a relay that stalls (its own source froze) is left for another source, without a gap") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r1 = NewKeyFile(dir / "r1.key");
  KeyFile r2 = NewKeyFile(dir / "r2.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  for (const KeyFile* k : {&r1, &r2, &c}) t.Mint(k->address(), 1000);
  REQUIRE(WaitForSegments(live, 1, 30s));
  // Prices steer the chain: origin (9) -> r2 (5) -> r1 (4) -> viewer.
  BroadcasterProcess origin(t, o, "live", 9, {"--hls-dir", live}, dir / "o.log");
  RelayProcess second(t, r2, "live", 1000, 5, dir / "r2.log");
  RelayProcess first(t, r1, "live", 1000, 4, dir / "r1.log");
  REQUIRE(Printed(first.viewer.process, "relay " + r2.key.public_key().ToHex(), 10s));
  ViewerProcess viewer(t, c, "live", 1000, {"--exit-at-end", "--out", dir / "out.ts"},
                       dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("relay " + r1.key.public_key().ToHex(), 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  // r2 freezes: r1 still answers, but only "wait".
  second.viewer.process.Signal(SIGSTOP);
  REQUIRE_MESSAGE(viewer.process.Wait(120s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("switching source: the source stalled") != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  encoder->Wait(60s);
  CHECK(ReadWholeFile(dir / "out.ts") == FromJoinToEnd(live, out));

  second.viewer.process.Signal(SIGCONT);
  for (auto* p : {&first.viewer.process, &second.viewer.process, &origin.process}) {
    p->Signal(SIGINT);
    CHECK(p->Wait(60s) >= 0);
  }
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a relay that alters a segment is caught by the origin's signature, not paid for it, and "
    "dropped") {
  FinishedStream f;
  auto [dir, t, o, r, c] = std::tie(f.dir, f.t, f.o, f.r, f.c);
  // The relay's announced URL leads through a proxy that alters segment 2.
  TamperingProxy proxy(2);
  auto relay = f.RelayBehind(proxy, 4);

  std::string out = f.WatchAll();
  CHECK(proxy.tampered == 1);
  CHECK(out.find("ALERT the broadcaster misbehaved: segment 2: the bytes received do not match") !=
        std::string::npos);
  CHECK(out.find("switching source: ") != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  // Every segment once, in order: two from the relay, the rest from the origin.
  CHECK(ReadWholeFile(dir / "out.ts") == f.all);

  f.Stop(*relay);
  CHECK(PaidTo(t, out, r.key.public_key()) == 2 * 4);  // not the altered one
  CHECK(PaidTo(t, out, o.key.public_key()) == 4 * 6);
  CHECK(Balance(t, c.address()) == 100 - 8 - 24 - 4 - 6);  // and two opening charges
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a free relay that signs the segments itself is not paid, dropped, and the viewer buys the "
    "whole stream from the origin") {
  FinishedStream f;
  auto [dir, t, o, r, c] = std::tie(f.dir, f.t, f.o, f.r, f.c);
  // The relay's announced URL leads through a proxy that signs every
  // statement with the relay's own key: it poses as the origin, at price 0.
  TamperingProxy proxy(0);
  proxy.resign_with = r.key;
  auto relay = f.RelayBehind(proxy, 0);

  std::string out = f.WatchAll();
  INFO(out);
  CHECK(proxy.tampered >= 1);
  CHECK(out.find("relay " + r.key.public_key().ToHex()) != std::string::npos);  // tried first
  CHECK(out.find("ALERT the broadcaster misbehaved: the segment is not signed by the stream's "
                 "origin") != std::string::npos);
  CHECK(out.find("switching source: ") != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  CHECK(ReadWholeFile(dir / "out.ts") == f.all);  // every segment, from the origin

  f.Stop(*relay);
  CHECK(PaidTo(t, out, r.key.public_key()) == 0);
  CHECK(PaidTo(t, out, o.key.public_key()) == 6 * 6);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a relay that takes the opening charge and delivers nothing is given up: no second contract, "
    "the stream continues from the origin") {
  FinishedStream f;
  auto [dir, t, o, r, c] = std::tie(f.dir, f.t, f.o, f.r, f.c);
  // The relay's announced URL leads through a proxy that opens contracts
  // but lets no segment through.
  TamperingProxy proxy(1000);
  proxy.withhold_segments = true;
  auto relay = f.RelayBehind(proxy, 4);

  std::string out = f.WatchAll();
  INFO(out);
  CHECK(proxy.withheld >= 1);
  CHECK(out.find("giving up " + r.key.public_key().ToHex() +
                 ": it took the opening charge of 4 and delivered nothing") != std::string::npos);
  CHECK(ContractsWith(t, out, r.key.public_key()) == 1);
  // Every segment once, in order, all from the origin.
  CHECK(ReadWholeFile(dir / "out.ts") == f.all);

  f.Stop(*relay);
  CHECK(PaidTo(t, out, r.key.public_key()) == 0);
  CHECK(PaidTo(t, out, o.key.public_key()) == 6 * 6);
  // What the viewer lost to the relay: its opening charge, one segment's price.
  CHECK(Balance(t, c.address()) == 100 - 4 - 36 - 6);
  CHECK(t.Audit(true).first == 0);
}

// Segments a node served, from its /metrics.
uint64_t Served(const std::string& base_url) {
  return CounterValue(base_url, "tollstream_broadcaster_segments_served_total");
}

TEST_CASE("a swarm: 1 origin, 3 relays, 10 viewers; every viewer gets the whole stream") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 12);  // 6 segments
  SourceSegments source = ReadSource(vod);
  std::string all;
  for (const auto& s : source.bytes) all += s;
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  BroadcasterProcess origin(t, o, "vod", 5, {"--hls-dir", vod}, dir / "o.log");
  // Relays at the origin's price: viewers choose among them by their probes.
  std::vector<std::unique_ptr<RelayProcess>> relays;
  for (int i = 0; i < 3; ++i) {
    KeyFile r = NewKeyFile(dir / ("r" + std::to_string(i) + ".key"));
    t.Mint(r.address(), 100);
    // Each starts as soon as the one before holds a segment: a relay still
    // buying says the stream is a finished recording, so that those who buy
    // from it start at its start.
    relays.push_back(std::make_unique<RelayProcess>(t, r, "vod", 100, 5,
                                                    dir / ("r" + std::to_string(i) + ".log")));
  }
  std::vector<std::unique_ptr<ViewerProcess>> viewers;
  for (int i = 0; i < 10; ++i) {
    KeyFile c = NewKeyFile(dir / ("c" + std::to_string(i) + ".key"));
    t.Mint(c.address(), 100);
    viewers.push_back(std::make_unique<ViewerProcess>(
        t, c, "vod", 100,
        std::vector<std::string>{"--exit-at-end", "--out", dir / ("c" + std::to_string(i) + ".ts")},
        dir / ("c" + std::to_string(i) + ".log")));
  }
  size_t from_relays = 0;
  for (int i = 0; i < 10; ++i) {
    REQUIRE_MESSAGE(viewers[i]->process.Wait(120s) == 0, viewers[i]->process.output());
    CHECK(ReadWholeFile(dir / ("c" + std::to_string(i) + ".ts")) == all);
    from_relays += viewers[i]->process.output().find("\nrelay ") != std::string::npos;
  }
  for (auto& r : relays)
    REQUIRE(Printed(r->viewer.process, "stopped buying: the stream ended", 60s));
  uint64_t by_origin = Served(origin.url);
  uint64_t by_relays = 0;
  for (auto& r : relays) by_relays += Served(r->url);
  double origin_share = static_cast<double>(by_origin) / static_cast<double>(by_origin + by_relays);
  MESSAGE("swarm offload: the origin served "
          << by_origin << " of " << by_origin + by_relays << " segments ("
          << static_cast<int>(origin_share * 100 + 0.5) << " %); " << from_relays
          << " of 10 viewers bought from a relay");
  CHECK(by_origin + by_relays == 3 * 6 + 10 * 6);
  CHECK(from_relays > 0);

  for (auto& r : relays) {
    r->viewer.process.Signal(SIGINT);
    CHECK(r->viewer.process.Wait(30s) == 0);
  }
  origin.process.Signal(SIGINT);
  CHECK(origin.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
