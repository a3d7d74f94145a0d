// A recorded stream end to end: tracker, broadcaster and viewer as separate
// processes; ffmpeg reads the viewer's stream; exact balances.
#include <fstream>

#include "tests/peer/hand_viewer.h"
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

TEST_CASE("a 20-second video: bytes, frames and balances are exact") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 20);
  SourceSegments source = ReadSource(hls);
  REQUIRE(source.playlist.ended);
  REQUIRE(source.bytes.size() >= 10);
  const uint64_t price = 7, budget = 1000;

  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), budget + 500);

  BroadcasterProcess broadcaster(t, b, "demo", price, {"--hls-dir", hls}, dir / "b.log");
  ViewerProcess viewer(t, c, "demo", budget, {"--out", dir / "out.ts"}, dir / "c.log");
  auto code = viewer.process.WaitForLine("broadcaster ", 30s);
  REQUIRE(code.has_value());
  CHECK(code->find("code " + KeyCode(b.key.public_key())) != std::string::npos);
  auto settled = viewer.process.WaitForLine("settled: ", 120s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  CHECK(viewer.process.output().find("stopped buying: the stream ended") != std::string::npos);

  // The viewer's bytes are the source's segments, in order.
  std::string all;
  for (const auto& s : source.bytes) all += s;
  auto out = ReadWholeFile(dir / "out.ts");
  REQUIRE(out.has_value());
  CHECK(out->size() == all.size());
  CHECK(*out == all);

  // ffmpeg reads the whole stream from the viewer; its packets equal the
  // source's. Once the playlist is ended, else ffmpeg reads a live one.
  REQUIRE(EndedViewerPlaylist(viewer).ended);
  std::string served = FrameChecksums(viewer.playlist_url);
  std::string original = FrameChecksums(hls + "/index.m3u8");
  CHECK(served.size() > 1000);
  CHECK(served == original);

  // Exact money: the viewer paid segments x price and the opening charge of
  // its one contract (one segment's price); the rest came back.
  uint64_t paid = (source.bytes.size() + 1) * price;
  // The lock of the largest contract the budget pays (of at most 100
  // segments), and its opening charge.
  uint64_t deposit = (std::min<uint64_t>(budget / price - 1, 100) + 1) * price;
  CHECK(*settled == "paid " + std::to_string(paid) + " for " + std::to_string(source.bytes.size()) +
                        " segments, returned " + std::to_string(deposit - paid) + ", balance " +
                        std::to_string(budget + 500 - paid));
  CHECK(Balance(t, c.address()) == budget + 500 - paid);

  // Ctrl-C: both exit 0; the broadcaster's income is paid out to its address.
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(broadcaster.process.output().find("settled: earned " + std::to_string(paid)) !=
        std::string::npos);
  CHECK(Balance(t, b.address()) == paid);
  auto [audit_status, audit] = t.Audit(/*running=*/true);
  CHECK_MESSAGE(audit_status == 0, audit);
  CHECK(json::parse(audit)["minted"] == budget + 500);
}

TEST_CASE("the broadcaster refuses terms that do not suit it, with a signed reason") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 4);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  Party c;
  c.client = t.NewClient(c.key);
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "demo", 10, {"--hls-dir", hls}, dir / "b.log");
  auto spend = c.client->Call("getSpendAddress", {{"deposit", 100}});
  auto info_client = std::make_unique<TrackerClient>(t.url(), c.key);
  REQUIRE(info_client->Handshake().ok());
  auto found = info_client->Call("lookup", {{"stream", "demo"}});
  REQUIRE(found.ok());
  REQUIRE((*found)["broadcasters"].size() == 1);
  std::string income = (*found)["broadcasters"][0]["income_address"];
  httplib::Client http(broadcaster.url);
  struct Case {
    const char* name;
    uint64_t price;
    std::string stream;
  };
  for (const Case& k :
       {Case{"price below the broadcaster's", 9, "demo"}, Case{"another stream", 10, "other"}}) {
    CAPTURE(k.name);
    Contract contract;
    contract.terms = ContractTerms{*c.client->tracker(),
                                   c.key.public_key(),
                                   b.key.public_key(),
                                   (*spend)["address"],
                                   income,
                                   k.stream,
                                   k.price,
                                   5,
                                   UnixNow() + 600,
                                   RandomHex(16),
                                   {}};
    SignAsViewer(contract, c.key);
    json body = SignRequest(c.key, "offer", *c.client->tracker(), {{"contract", contract.ToJson()}},
                            UnixNow(), RandomHex(16));
    auto res = http.Post("/v1/offer", body.dump(), "application/json");
    REQUIRE(res);
    CHECK(res->status == 409);
    auto answer =
        ParseResponse(res->body, b.key.public_key(), DigestOf(SignedKind::kRequest, body));
    REQUIRE(answer.ok());
    REQUIRE(answer->error.has_value());
    CHECK(answer->error->code == ErrorCode::kConflict);
    MESSAGE(answer->error->message);
  }
  auto summary = c.client->Call("summary", json::object());
  CHECK((*summary)["contracts_opened"] == 0);
}

}  // namespace tollstream::test

namespace tollstream::test {

// Bytes a node sent straight from files (sendfile), from its /metrics.
uint64_t FileBytesSent(const std::string& base_url) {
  return CounterValue(base_url, "tollstream_peer_file_bytes_sent_total");
}

TEST_CASE(
    "a segment signed before goes out from its file; rewritten, it goes out as it is now, signed "
    "anew") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 40);  // 20 segments: more than the broadcaster keeps in memory
  SourceSegments source = ReadSource(hls);
  REQUIRE(source.bytes.size() >= 18);
  std::this_thread::sleep_for(2500ms);  // the files settle (2 s unchanged) before they are signed
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 1, {"--hls-dir", hls}, dir / "b.log");

  // A first viewer buys every segment: each is hashed and signed once, from
  // its settled file, and sent from the file (all but the last byte of each).
  HandViewer first(t, "demo", 100);
  first.Open(source.bytes.size());
  std::vector<BroadcasterClient::Delivery> bought;
  uint64_t at_start = FileBytesSent(broadcaster.url), first_sales = 0;
  for (size_t i = 0; i < source.bytes.size(); ++i) {
    auto d = first.Ask(first.receipt);
    REQUIRE(d.kind == BroadcasterClient::Delivery::Kind::kSegment);
    CHECK(d.bytes == source.bytes[i]);
    first.Pay(d);
    bought.push_back(d);
    first_sales += d.bytes.size() - 1;
  }
  uint64_t before = FileBytesSent(broadcaster.url);
  CHECK(before - at_start == first_sales);

  // A second viewer from the start: segment 0 under the same statement,
  // sent from its file.
  HandViewer second(t, "demo", 100);
  second.Open(3);
  auto zero = second.Ask(second.receipt);
  REQUIRE(zero.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(zero.bytes == source.bytes[0]);
  CHECK(zero.statement.sig == bought[0].statement.sig);
  CHECK(FileBytesSent(broadcaster.url) - before ==
        source.bytes[0].size() - 1);  // all but the last byte

  // Segment 0's file is rewritten (an encoder writing it anew), and the
  // viewer asks again as if that answer had been lost: it gets the segment
  // as it is now, under a statement of its own that checks.
  std::string path = hls + "/" + source.playlist.segments[0].uri;
  auto written = std::filesystem::last_write_time(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << source.bytes[1];
  std::filesystem::last_write_time(path, written + std::chrono::seconds(1));
  auto anew = second.Ask(second.receipt);
  REQUIRE(anew.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(anew.statement.seq == 0);
  CHECK(anew.bytes == source.bytes[1]);
  CHECK(CheckSegmentBytes(anew.statement, anew.bytes).ok());
  CHECK(anew.statement.sha256 != bought[0].statement.sha256);
  // Paid for as it was delivered; the next one follows.
  second.Pay(anew);
  auto one = second.Ask(second.receipt);
  REQUIRE(one.kind == BroadcasterClient::Delivery::Kind::kSegment);
  CHECK(one.statement.seq == 1);
  CHECK(one.bytes == source.bytes[1]);
  second.Pay(one);
  REQUIRE(second.node->Close(ToHex(second.contract.id), second.receipt).ok());
  REQUIRE(first.node->Close(ToHex(first.contract.id), first.receipt).ok());
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
