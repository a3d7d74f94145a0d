// The viewing node's page API, with real processes: the figures, the top-up
// that continues the stream under a follow-on contract, the stop button, and
// the refusals of control requests that do not come from the node's own page
// (each refusal changes nothing). Also its /metrics, the broadcaster's
// status figures, and every route refused to a Host that does not name the
// node (DNS rebinding).
#include "tests/peer/peer_fixture.h"
#include "tests/peer/watch_page.h"

namespace tollstream::test {
namespace {

std::string ErrorCodeOf(const httplib::Result& r) {
  if (!r) return "no answer";
  auto body = json::parse(r->body, nullptr, false);
  return body.is_object() && body.contains("error") ? body["error"]["code"].get<std::string>() : "";
}

// The value of an unlabelled sample in a Prometheus text scrape.
std::optional<uint64_t> Sample(const std::string& text, const std::string& name) {
  auto at = text.find("\n" + name + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(text.substr(at + name.size() + 2));
}

}  // namespace

TEST_CASE("top up, follow-on contract, stop; refused control requests change nothing") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 16);  // 8 segments
  SourceSegments source = ReadSource(vod);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "vod", 5, {"--hls-dir", vod}, dir / "b.log");
  ViewerProcess viewer(t, c, "vod", 15, {}, dir / "c.log");
  WatchPage page(viewer.playlist_url);

  // Two segments and the contract's opening charge (one segment's price)
  // spend the budget; the node waits for a top-up.
  REQUIRE_MESSAGE(viewer.process.WaitForLine("ALERT the budget is spent", 60s).has_value(),
                  viewer.process.output());
  json before = page.Status();
  CHECK(before["state"] == "waiting-top-up");
  CHECK(before["segments"] == 2);
  CHECK(before["spent"] == 15);
  CHECK(before["budget_left"] == 0);
  CHECK(before["balance"] == 85);
  CHECK(before["code"] == KeyCode(b.key.public_key()));
  // The page hears of it: the node's event stream carries the alert.
  std::string events;
  httplib::Client stream(page.base);
  stream.set_read_timeout(10, 0);
  stream.Get("/events", [&](const char* data, size_t n) {
    events.append(data, n);
    return events.find("event: alert\ndata: \"the budget is spent") == std::string::npos;
  });
  CHECK(events.find("event: alert\ndata: \"the budget is spent: top up to keep watching\"") !=
        std::string::npos);
  CHECK(events.find("event: receipt") != std::string::npos);

  // Refused: not from the page, another host, another origin, bad amounts, too much.
  CHECK(page.Post("/api/top-up", R"({"amount":5})", {})->status == 403);
  CHECK(page.Post("/api/top-up", R"({"amount":5})",
                  {{"X-Tollstream-Control", "1"},
                   {"Host", "rebound.example:" + page.host.substr(page.host.find(':') + 1)}})
            ->status == 403);
  CHECK(page.Post("/api/top-up", R"({"amount":5})",
                  {{"X-Tollstream-Control", "1"}, {"Origin", "http://evil.example"}})
            ->status == 403);
  CHECK(page.Post("/api/stop", "{}", {{"Origin", page.base}})->status == 403);
  for (const char* bad :
       {R"({"amount":0})", R"({"amount":-5})", R"({"amount":"5"})", R"({"amount":5,"x":1})",
        R"({"amount":1.5})", "[5]", "not json", R"({"amount":9007199254740992})"}) {
    auto r = page.Control("/api/top-up", bad);
    REQUIRE(r);
    CHECK_MESSAGE(r->status == 400, bad);
    CHECK(ErrorCodeOf(r) == "invalid_field");
  }
  auto too_much = page.Control("/api/top-up", R"({"amount":86})");
  REQUIRE(too_much);
  CHECK(too_much->status == 409);
  CHECK(ErrorCodeOf(too_much) == "insufficient_funds");
  json unchanged = page.Status();
  CHECK(unchanged["budget"] == 15);
  CHECK(unchanged["state"] == "waiting-top-up");
  CHECK(Balance(t, c.address()) == 85);

  // From the command line too: too much is refused there, changing nothing.
  auto [refused, refusal] = RunCommand(
      {BinaryPath("peer"), "wallet", "--node", page.base + "/", "topup", "--amount", "86"});
  CHECK(refused == 2);
  CHECK(page.Status()["budget"] == 15);
  // A top-up of four segments' worth, from the command line: a follow-on
  // contract from segment 2 (three segments and its opening charge).
  auto [topped, said] =
      RunCommand({BinaryPath("peer"), "wallet", "--node", page.base, "topup", "--amount", "20"});
  CHECK(topped == 0);
  CHECK(said == "budget 35, left 20\n");
  REQUIRE(viewer.process.WaitForLine("ALERT the budget is spent", 60s).has_value());
  CHECK(viewer.process.output().find("from segment 2\n") != std::string::npos);
  json after = page.Status();
  CHECK(after["segments"] == 5);
  CHECK(after["spent"] == 35);
  CHECK(after["contracts"] == 2);

  // The local stream: segments 0 to 4, once each, in order, no discontinuity.
  HlsPlaylist local = ViewerPlaylist(viewer);
  REQUIRE(local.segments.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(local.segments[i].seq == i);
    CHECK_FALSE(local.segments[i].discontinuity);
    CHECK(HttpGet(page.base + "/" + local.segments[i].uri) == source.bytes[i]);
  }

  // The viewer's metrics count what it bought; the broadcaster's what it sold.
  auto viewer_metrics = HttpGet(page.base + "/metrics");
  REQUIRE(viewer_metrics.has_value());
  CHECK(Sample(*viewer_metrics, "tollstream_viewer_segments_bought_total") == 5);
  CHECK(Sample(*viewer_metrics, "tollstream_viewer_tokens_spent_total") == 35);
  CHECK(Sample(*viewer_metrics, "tollstream_viewer_contracts_total") == 2);
  CHECK(viewer_metrics->find(
            "tollstream_http_requests_total{route=\"/api/top-up\",status=\"403\"} 3") !=
        std::string::npos);
  // A close that did not reach the tracker in time (a loaded machine) is
  // retried by the node: its counts may follow the viewer's by a moment
  // (the closes counted before what they earned).
  auto settled = [](const std::optional<std::string>& m) {
    return m && Sample(*m, "tollstream_broadcaster_contracts_closed_total") == 2 &&
           Sample(*m, "tollstream_broadcaster_tokens_earned_total") == 35;
  };
  auto sold = HttpGet(broadcaster.url + "/metrics");
  for (int i = 0; i < 100 && sold && !settled(sold); ++i) {
    std::this_thread::sleep_for(100ms);
    sold = HttpGet(broadcaster.url + "/metrics");
  }
  REQUIRE(sold.has_value());
  CHECK(Sample(*sold, "tollstream_broadcaster_receipts_accepted_total") == 5);
  CHECK(Sample(*sold, "tollstream_broadcaster_contracts_closed_total").value_or(0) == 2);
  CHECK(Sample(*sold, "tollstream_broadcaster_tokens_earned_total") == 35);

  // Stop: nothing is open, the node keeps serving what it bought.
  auto stopped = page.Control("/api/stop", "{}");
  REQUIRE(stopped);
  CHECK(stopped->status == 200);
  REQUIRE(viewer.process.WaitForLine("stopped buying: stopped", 30s).has_value());
  json closed = page.Status();
  CHECK(closed["state"] == "closed");
  CHECK(closed["balance"] == 65);
  CHECK(Balance(t, c.address()) == 65);
  CHECK(page.Control("/api/top-up", R"({"amount":5})")->status == 409);  // stopped: no more buying
  CHECK(HttpGet(viewer.playlist_url).has_value());

  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == 35);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("every route of the viewer answers only to a Host that names it (DNS rebinding)") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 4);  // 2 segments
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "vod", 5, {"--hls-dir", vod}, dir / "b.log");
  ViewerProcess viewer(t, c, "vod", 50, {}, dir / "c.log");
  REQUIRE_MESSAGE(viewer.process.WaitForLine("stopped buying: ", 60s).has_value(),
                  viewer.process.output());
  WatchPage page(viewer.playlist_url);
  std::string port = page.host.substr(page.host.find(':') + 1);
  httplib::Client http(page.base);
  http.set_read_timeout(10, 0);
  // A GET with `host`; /events is read until its first event only.
  auto get = [&](const std::string& path, const std::string& host) {
    int status = 0;
    std::string body;
    http.Get(
        path, {{"Host", host}},
        [&](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, size_t n) {
          body.append(data, n);
          return path != "/events" || status != 200;
        });
    return std::pair<int, std::string>{status, body};
  };

  for (const char* path : {"/", "/api/status", "/vod.m3u8", "/vod/0.ts", "/events", "/style.css",
                           "/page.js", "/watch.js", "/hls.js", "/metrics", "/no-such-path"}) {
    CAPTURE(path);
    for (std::string host : std::vector<std::string>{
             "evil.example:" + port, "EVIL.example:" + port, "evil.example",
             "127.0.0.1.evil.example:" + port, "localhost.:" + port, "127.0.0.1:1", "localhost"}) {
      CAPTURE(host);
      auto [status, body] = get(path, host);
      CHECK(status == 403);
      auto error = json::parse(body, nullptr, false);
      REQUIRE(error.is_object());
      CHECK(error["error"]["code"] == "wrong_host");
    }
    int expected = std::string(path) == "/no-such-path" ? 404 : 200;
    for (std::string host : {"127.0.0.1:" + port, "localhost:" + port, "LocalHost:" + port,
                             "[::1]:" + port, "192.0.2.7:" + port, "[2001:db8::1]:" + port}) {
      CAPTURE(host);
      CHECK(get(path, host).first == expected);
    }
  }
  // A control request from another Host is refused before it is looked at.
  auto top_up = page.Post("/api/top-up", R"({"amount":5})",
                          {{"X-Tollstream-Control", "1"}, {"Host", "evil.example:" + port}});
  REQUIRE(top_up);
  CHECK(top_up->status == 403);
  CHECK(ErrorCodeOf(top_up) == "wrong_host");
  // A player given the node's address by IP or by loopback name plays it.
  CHECK(FrameChecksums(viewer.playlist_url) ==
        FrameChecksums("http://localhost:" + port + "/vod.m3u8"));
  CHECK(page.Status()["segments"] == 2);
  CHECK(CounterValue(page.base, "tollstream_viewer_segments_bought_total") == 2);

  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
}

TEST_CASE("started without a stream, the page lists the directory and buys the stream chosen") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 8);
  TrackerFixture t;
  KeyFile news = NewKeyFile(dir / "news.key");
  KeyFile chess = NewKeyFile(dir / "chess.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess b1(t, news, "news", 2, {"--hls-dir", vod, "--title", "Evening news"},
                        dir / "news.log");
  BroadcasterProcess b2(t, chess, "chess", 1, {"--hls-dir", vod, "--title", "Blitz"},
                        dir / "chess.log");
  Process viewer({BinaryPath("peer"), "watch", "--tracker", t.url(), "--key", c.path, "--budget",
                  "50", "--listen", "127.0.0.1:0", "--exit-at-end"},
                 dir / "c.log");
  auto url = viewer.WaitForLine("watch page ", 30s);
  REQUIRE(url.has_value());
  WatchPage page(*url);
  CHECK(page.Status()["state"] == "choosing");
  // Both nodes are up and ready (their directories take a synced write).
  for (const std::string& base : {page.base, b1.url}) {
    CHECK(HttpGet(base + "/healthz") == R"({"status":"ok"})");
    auto ready = HttpGet(base + "/readyz");
    REQUIRE(ready.has_value());
    CHECK(json::parse(*ready) == json{{"ready", true}, {"checks", {{"disk", {{"ok", true}}}}}});
  }
  auto listed = HttpGet(page.base + "/api/streams?query=BLITZ");
  REQUIRE(listed.has_value());
  json found = json::parse(*listed)["streams"];
  REQUIRE(found.size() == 1);
  CHECK(found[0]["stream"] == "chess");
  CHECK(found[0]["origin_code"] == KeyCode(chess.key.public_key()));
  CHECK(json::parse(*HttpGet(page.base + "/api/streams"))["streams"].size() == 2);
  // Nothing is bought before a choice; a wrong one is refused and changes nothing.
  CHECK(ErrorCodeOf(page.Control("/api/top-up", R"({"amount": 5})")) == "conflict");
  CHECK(ErrorCodeOf(page.Control("/api/watch", R"({"stream": "chess"})")) == "invalid_field");
  CHECK(ErrorCodeOf(page.Control("/api/watch", R"({"stream": "chess", "origin": "00"})")) ==
        "invalid_field");
  CHECK(ErrorCodeOf(page.Post("/api/watch", found[0].dump(), {})) == "forbidden");
  CHECK(page.Status()["state"] == "choosing");
  CHECK(Balance(t, c.address()) == 100);

  // A stream that cannot be bought at all: the page chooses again.
  json opera = {{"stream", "opera"}, {"origin", found[0]["origin"]}};
  REQUIRE(page.Control("/api/watch", opera.dump())->status == 200);
  REQUIRE(viewer.WaitForLine("cannot buy \"opera\": no seller of \"opera\"", 20s).has_value());
  CHECK(page.Status()["state"] == "choosing");
  CHECK(Balance(t, c.address()) == 100);

  json choice = {{"stream", "chess"}, {"origin", found[0]["origin"]}};
  auto chosen = page.Control("/api/watch", choice.dump());
  REQUIRE(chosen);
  CHECK(chosen->status == 200);
  CHECK(ErrorCodeOf(page.Control("/api/watch", choice.dump())) == "conflict");  // one stream
  REQUIRE(viewer.WaitForLine("serving " + page.base + "/chess.m3u8", 30s).has_value());
  CHECK(viewer.Wait(60s) == 0);  // the 8-second recording, bought to its end
  std::string out = viewer.output();
  INFO(out);
  CHECK(out.find("segment 3 ") != std::string::npos);
  CHECK(Balance(t, c.address()) == 100 - 1 - 4);  // the opening charge and 4 segments at 1
  for (auto* b : {&b1, &b2}) b->process.Signal(SIGINT);
  for (auto* b : {&b1, &b2}) CHECK(b->process.Wait(30s) == 0);
}

TEST_CASE("a source gone for good: the page's retry buys on after the last segment kept") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 50);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 200);  // the dead contract's deposit may be locked still at the retry
  std::vector<std::string> args = {"--hls-dir", live, "--state-dir", dir / "b.state"};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);
  REQUIRE(WaitForSegments(live, 2, 60s));
  ViewerProcess viewer(t, c, "live", 60, {"--reconnect", "2"}, dir / "c.log");
  WatchPage page(viewer.playlist_url);
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  CHECK(ErrorCodeOf(page.Control("/api/retry", "{}")) == "conflict");  // nothing to retry
  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  REQUIRE(viewer.process.WaitForLine("the watch page can retry", 30s).has_value());
  json stopped = page.Status();
  CHECK(stopped["can_retry"] == true);
  uint64_t last = stopped["last_seq"];
  CHECK(HttpGet(viewer.playlist_url)->find("#EXT-X-ENDLIST") != std::string::npos);

  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b2.log", listen);
  CHECK(ErrorCodeOf(page.Post("/api/retry", "{}", {})) == "forbidden");
  auto retried = page.Control("/api/retry", "{}");
  REQUIRE(retried);
  CHECK(retried->status == 200);
  REQUIRE(viewer.process.WaitForLine("retrying", 10s).has_value());
  auto next = viewer.process.WaitForLine("segment ", 30s);
  REQUIRE_MESSAGE(next.has_value(), viewer.process.output());
  CHECK(std::stoull(*next) > last);
  CHECK(page.Status()["can_retry"] == false);
  auto playlist = ParseHlsPlaylist(*HttpGet(viewer.playlist_url));
  REQUIRE(playlist.ok());
  CHECK_FALSE(playlist->ended);  // it goes on
  for (size_t i = 1; i < playlist->segments.size(); ++i) {
    CHECK(playlist->segments[i].seq > playlist->segments[i - 1].seq);  // none twice
  }
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  encoder->Signal(SIGTERM);
}

}  // namespace tollstream::test
