// A broadcasting node under hostile connections
// (tests/common/http/hostile_clients.h): with idle and slowloris connections
// held open against it, an honest viewer still buys every segment in order
// and no contract is closed as quiet, signed requests are answered quickly,
// slow requests are dropped within the deadline of reading a request, and
// oversized requests are refused having read little, with bounded memory.
// Figures are printed with MESSAGE.
#include <thread>

#include "peer/watch/broadcaster_client.h"
#include "tests/common/http/hostile_clients.h"
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// The sequence numbers of the segments a viewer's output says it bought.
std::vector<uint64_t> BoughtSeqs(const std::string& output) {
  std::vector<uint64_t> seqs;
  for (size_t pos = 0; (pos = output.find("\nsegment ", pos)) != std::string::npos; ++pos) {
    seqs.push_back(std::stoull(output.substr(pos + 9)));
  }
  return seqs;
}

// The flood of hostile_clients.h against a broadcaster's API.
std::unique_ptr<ConnectionFlood> Flood(const BroadcasterProcess& b) {
  return std::make_unique<ConnectionFlood>(
      FloodOptions{.port = PortOfUrl(b.url),
                   .slow_head = "POST /v1/segment HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: "});
}

// The time left until `deadline` (at least a second).
std::chrono::milliseconds Until(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1000));
}

// The sequence number of a playlist's last segment.
uint64_t LastSeq(const HlsPlaylist& p) {
  return p.media_sequence + p.segments.size() - 1;
}

// A viewer's last line on stdout and the end of its log, to say why it stopped.
std::string LastWords(const ViewerProcess& v, const std::string& log) {
  std::string out = v.process.output(), err = ReadWholeFile(log).value_or("");
  auto tail = [](const std::string& text) {
    return text.substr(text.size() - std::min<size_t>(text.size(), 300));
  };
  return "stdout ..." + tail(out) + " stderr ..." + tail(err);
}

// Whether the broadcaster's output says it closed a contract as quiet.
bool ClosedAsQuiet(const std::string& output) {
  return output.find("(the viewer went quiet)") != std::string::npos ||
         output.find("(no receipt for the last segment delivered)") != std::string::npos;
}

}  // namespace

TEST_CASE(
    "1,000 idle and 200 slowloris connections held against a broadcaster: an honest viewer buys "
    "every segment in order, no contract closes as quiet, signed requests are answered in under "
    "1 s at p99, and the node drops every slow connection within 15 s") {
  REQUIRE(RaiseOpenFileLimit() >= 1500);
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 20);
  SourceSegments source = ReadSource(hls);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 1000);
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", hls}, dir / "b.log");
  Party asker;
  asker.client = t.NewClient(asker.key);
  BroadcasterClient node(broadcaster.url, asker.key, *asker.client->tracker(), b.key.public_key(),
                         asker.client->clock_offset(), 2000);

  auto opened = std::chrono::steady_clock::now();
  auto flood = Flood(broadcaster);
  bool all_opened = flood->WaitAllOpened(10s);
  ViewerProcess viewer(t, c, "demo", 200, {"--out", dir / "out.ts"}, dir / "c.log");
  Latencies latencies = TimeCalls(50, 200ms, 20s, [&] { return node.Stream("demo").ok(); });
  // The viewer has until 35 s into the attack (a quiet close comes 15 s
  // after the last receipt); the slow connections of the first wave are
  // held past their deadline.
  auto settled = viewer.process.WaitForLine("settled: ", Until(opened + 35s));
  std::this_thread::sleep_until(opened + 17s);
  FloodFigures f = flood->Figures(15s);
  bool alive = broadcaster.process.running();
  flood.reset();

  std::vector<uint64_t> seqs = BoughtSeqs(viewer.process.output());
  MESSAGE("signed requests to the node under attack: ", latencies.Describe());
  MESSAGE("the viewer bought ", seqs.size(), " of ", source.bytes.size(), " segments; ",
          settled ? "settled: " + *settled : "did not settle: " + LastWords(viewer, dir / "c.log"));
  MESSAGE("attack (all opened at first: ", all_opened, "): ", f.Describe());
  CHECK(all_opened);
  REQUIRE(alive);
  CHECK(settled.has_value());
  CHECK(latencies.answered == latencies.calls);
  CHECK(latencies.p99_ms < 1000);
  CHECK(f.slow_overdue == 0);

  // Every segment, in order, with the source's bytes; no quiet close.
  CHECK(seqs.size() == source.bytes.size());
  for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == source.playlist.media_sequence + i);
  std::string all;
  for (const auto& s : source.bytes) all += s;
  bool same_bytes = ReadWholeFile(dir / "out.ts").value_or("") == all;
  CHECK(same_bytes);
  viewer.process.Signal(SIGINT);
  viewer.process.Wait(30s);
  CHECK_MESSAGE(!ClosedAsQuiet(broadcaster.process.output()), broadcaster.process.output());
  uint64_t served = CounterValue(broadcaster.url, "tollstream_broadcaster_segments_served_total");
  MESSAGE("the node's metrics: ", served, " segments served, ",
          CounterValue(broadcaster.url, "tollstream_broadcaster_contracts_opened_total"),
          " contracts opened, ",
          CounterValue(broadcaster.url, "tollstream_broadcaster_contracts_closed_total"),
          " closed");
  CHECK(served >= source.bytes.size());
}

TEST_CASE(
    "a viewer buying a live stream when 1,000 idle and 200 slowloris connections open against its "
    "broadcaster keeps buying every segment as it appears, and no contract closes as quiet") {
  REQUIRE(RaiseOpenFileLimit() >= 1500);
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 1000);
  BroadcasterProcess broadcaster(t, b, "live", 2, {"--hls-dir", live}, dir / "b.log");
  REQUIRE(WaitForSegments(live, 2, 60s));
  ViewerProcess viewer(t, c, "live", 200, {"--exit-at-end"}, dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());

  // Held for 20 s (ten segments of the stream): meanwhile the viewer stays
  // at most two segments behind the source.
  auto flood = Flood(broadcaster);
  std::this_thread::sleep_for(20s);
  uint64_t source_last = LastSeq(ReadSource(live).playlist);
  std::vector<uint64_t> held = BoughtSeqs(viewer.process.output());
  FloodFigures f = flood->Figures(15s);
  bool alive = broadcaster.process.running();
  flood.reset();

  int status = viewer.process.Wait(40s);
  std::vector<uint64_t> seqs = BoughtSeqs(viewer.process.output());
  MESSAGE("after 20 s of attack the source's last segment was ", source_last,
          ", the viewer's last bought ",
          held.empty() ? std::string("none") : std::to_string(held.back()), "; in all it bought ",
          seqs.size(), " segments and exited with ", status);
  MESSAGE("attack: ", f.Describe());
  REQUIRE(alive);
  REQUIRE(!held.empty());
  CHECK(held.back() + 2 >= source_last);
  CHECK(status == 0);
  CHECK_MESSAGE(!ClosedAsQuiet(broadcaster.process.output()), broadcaster.process.output());
  // No gap from the first segment bought to the stream's last.
  REQUIRE(!seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == seqs[0] + i);
  CHECK(seqs.back() == LastSeq(ReadSource(live).playlist));
  encoder->Wait(60s);
}

TEST_CASE(
    "a broadcaster answers 431 to a 100 MB header line and to 200,000 header lines, 413 to a "
    "200 MB chunked body and a declared one, having read at most about 1 MB; its RSS grows by "
    "less than 20 MB") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 4);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", hls}, dir / "b.log");
  REQUIRE(HttpGet(broadcaster.url + "/metrics").has_value());

  OversizeFigures f =
      SendOversized(PortOfUrl(broadcaster.url), "/v1/stream", broadcaster.process.pid());
  bool alive = broadcaster.process.running();
  MESSAGE(f.Describe());
  REQUIRE(alive);
  CheckOversizedRefused(f);
  CHECK(HttpGet(broadcaster.url + "/metrics").has_value());
}

}  // namespace tollstream::test
