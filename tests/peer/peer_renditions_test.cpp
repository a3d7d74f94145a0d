// A stream sold in several renditions, made by the broadcaster's own ffmpeg
// from one source: each viewer pays each segment at the price of the
// rendition it bought, exactly, and plays what it bought.
#include <doctest/doctest.h>

#include <functional>
#include <map>
#include <regex>

#include "peer/watch/broadcaster_client.h"
#include "tests/peer/peer_fixture.h"
#include "tests/peer/rendition_output.h"
#include "tests/peer/watch_page.h"
#include "tests/support/temp_dir.h"
#include "tests/support/throttling_proxy.h"

namespace tollstream::test {

TEST_CASE("three renditions from one source: each viewer pays its rendition's price, exactly") {
  TempDir dir;
  // Six segments, paced in real time: a viewer slow to start (sanitizers,
  // a loaded machine) still joins with three to go.
  MakeTestClip(dir / "clip.mp4", 12);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile top = NewKeyFile(dir / "top.key");
  KeyFile low = NewKeyFile(dir / "low.key");
  t.Mint(top.address(), 200);
  t.Mint(low.address(), 200);
  // Prices in proportion to bitrate from 6: 6, 2 and 1.
  BroadcasterProcess broadcaster(
      t, b, "clip", 6,
      {"--source", dir / "clip.mp4", "--renditions", "240p:600k,144p:200k,96p:100k"},
      dir / "b.log");
  std::string said = broadcaster.process.output();
  CHECK(said.find("rendition 240p: 240 lines, 600 kbit/s, 6 a segment") != std::string::npos);
  CHECK(said.find("rendition 144p: 144 lines, 200 kbit/s, 2 a segment") != std::string::npos);
  CHECK(said.find("rendition 96p: 96 lines, 100 kbit/s, 1 a segment") != std::string::npos);

  // What the broadcaster says it sells.
  auto c = t.NewClient(top.key);
  BroadcasterClient node(broadcaster.url, top.key, *c->tracker(), b.key.public_key(),
                         c->clock_offset());
  auto stream = node.Stream("clip");
  REQUIRE(stream.ok());
  CHECK((*stream)["price"] == 6);
  CHECK((*stream)["renditions"] ==
        json::parse(R"([{"name":"240p","height":240,"bitrate":600000,"price":6},
                        {"name":"144p","height":144,"bitrate":200000,"price":2},
                        {"name":"96p","height":96,"bitrate":100000,"price":1}])"));

  // And the tracker lists them with its announcement.
  auto listed = c->Call("lookup", {{"stream", "clip"}});
  REQUIRE(listed.ok());
  REQUIRE((*listed)["broadcasters"].size() == 1);
  CHECK((*listed)["broadcasters"][0]["renditions"] == (*stream)["renditions"]);

  ViewerProcess buys_top(t, top, "clip", 200, {"--exit-at-end", "--out", dir / "top.ts"},
                         dir / "top.log");
  ViewerProcess buys_low(t, low, "clip", 200,
                         {"--exit-at-end", "--rendition", "96p", "--out", dir / "low.ts"},
                         dir / "low.log");
  REQUIRE(buys_top.process.Wait(120s) == 0);
  REQUIRE(buys_low.process.Wait(120s) == 0);
  auto [top_paid, top_segments] = Settled(buys_top.process);
  auto [low_paid, low_segments] = Settled(buys_low.process);
  // Both play on to the stream's end. Each joins at the live edge it finds
  // when it starts: on a busy machine one may join a segment later.
  CHECK(top_segments >= 3);
  CHECK(low_segments >= 3);
  auto top_bought = Bought(buys_top.process.output());
  auto low_bought = Bought(buys_low.process.output());
  REQUIRE(top_bought.size() == top_segments);
  REQUIRE(low_bought.size() == low_segments);
  CHECK(low_bought.back().first == top_bought.back().first);
  // The opening charge (the contract's price) and each segment at its price.
  CHECK(top_paid == 6 + 6 * top_segments);
  CHECK(low_paid == 1 + 1 * low_segments);
  CHECK(Balance(t, top.address()) == 200 - top_paid);
  CHECK(Balance(t, low.address()) == 200 - low_paid);
  // Each played what it bought, end to end.
  CHECK(HeightOf(dir / "top.ts") == 240);
  CHECK(HeightOf(dir / "low.ts") == 96);
  CHECK_FALSE(FrameChecksums(dir / "top.ts").empty());
  CHECK_FALSE(FrameChecksums(dir / "low.ts").empty());

  // A rendition the broadcaster does not sell: said plainly, nothing paid.
  KeyFile odd = NewKeyFile(dir / "odd.key");
  t.Mint(odd.address(), 50);
  auto [status, out] = RunCommand(
      {BinaryPath("peer"), "watch", "--tracker", t.url(), "--key", odd.path, "--stream", "clip",
       "--budget", "50", "--listen", "127.0.0.1:0", "--exit-at-end", "--rendition", "4k"},
      60s);
  CHECK(status != 0);
  CHECK_MESSAGE(out.find("the source sells no rendition 4k") != std::string::npos, out);
  CHECK(Balance(t, odd.address()) == 50);

  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == top_paid + low_paid);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("an encoder's master playlist in --hls-dir: its variants are sold as renditions") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeHlsLadder(hls, 6, {{"500k", 0}, {"150k", 120}});
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "vod", 4, {"--hls-dir", hls, "--playlist", "master.m3u8"},
                                 dir / "b.log");
  // Named by height; priced from --price in proportion to BANDWIDTH.
  std::string said = broadcaster.process.output();
  CHECK(said.find("rendition 240p: 240 lines, ") != std::string::npos);
  CHECK(said.find("kbit/s, 4 a segment") != std::string::npos);
  CHECK(said.find("rendition 120p: 120 lines, ") != std::string::npos);
  CHECK(said.find("kbit/s, 2 a segment") != std::string::npos);
  ViewerProcess viewer(t, c, "vod", 100,
                       {"--exit-at-end", "--rendition", "120p", "--out", dir / "low.ts"},
                       dir / "c.log");
  REQUIRE(viewer.process.Wait(60s) == 0);
  auto [paid, segments] = Settled(viewer.process);
  CHECK(segments == 3);
  CHECK(paid == 2 + 2 * segments);
  CHECK(HeightOf(dir / "low.ts") == 120);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a page pin: the next contract buys that rendition alone; auto, one of all again") {
  TempDir dir;
  MakeTestClip(dir / "clip.mp4", 50);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 60);
  BroadcasterProcess broadcaster(t, b, "clip", 6,
                                 {"--source", dir / "clip.mp4", "--renditions",
                                  "240p:600k,144p:200k,96p:100k", "--rendition-prices", "6,2,1"},
                                 dir / "b.log");
  // A budget of 60 at the top price: a first contract of 9 segments.
  ViewerProcess viewer(t, c, "clip", 60, {}, dir / "c.log");
  WatchPage page(viewer.playlist_url);
  auto said = [&] { return viewer.process.output(); };
  auto locks = [&] { return Locks(viewer.process); };
  auto wait_for = [&](const std::function<bool()>& done) { return WaitUntil(done, 60s); };
  REQUIRE(viewer.process.WaitForLine("segment ", 60s).has_value());
  REQUIRE(locks() == std::vector<uint64_t>{54});
  auto pinned = page.Control("/api/rendition", R"({"rendition":"96p"})");
  REQUIRE(pinned);
  REQUIRE(pinned->status == 200);
  // The first contract ends; the next buys 96p alone: its lock at 1 a segment.
  REQUIRE(wait_for([&] { return locks().size() >= 2; }));
  // All the budget left but its charge of 1: at the top price it would lock
  // a multiple of 6.
  CHECK(locks()[1] == 60 - Settled(viewer.process).first - 1);
  CHECK(locks()[1] % 6 != 0);
  // It buys 96p under it.
  size_t before = said().size();
  REQUIRE(wait_for([&] { return said().find("bytes of 96p", before) != std::string::npos; }));
  // Back to auto: that contract ends, and one that buys all three opens.
  auto adapt = page.Control("/api/rendition", R"({"rendition":""})");
  REQUIRE(adapt);
  REQUIRE(adapt->status == 200);
  REQUIRE(wait_for([&] { return locks().size() >= 3; }));
  CHECK(locks()[2] % 6 == 0);  // at the top price again
  viewer.process.Signal(SIGINT);
  REQUIRE(viewer.process.Wait(30s) == 0);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  // Every token is the viewer's or the broadcaster's (paid out at its stop).
  CHECK(Balance(t, c.address()) + Balance(t, b.address()) == 60);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a page pin holds across the page's retry of a source gone") {
  TempDir dir;
  MakeTestClip(dir / "clip.mp4", 50);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 600);  // the dead contract's deposit is locked still at the retry
  std::vector<std::string> args = {
      "--source",           dir / "clip.mp4", "--renditions", "240p:600k,144p:200k,96p:100k",
      "--rendition-prices", "6,2,1",          "--state-dir",  dir / "b.state"};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "clip", 6, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);
  ViewerProcess viewer(t, c, "clip", 200, {"--reconnect", "2"}, dir / "c.log");
  WatchPage page(viewer.playlist_url);
  auto said = [&] { return viewer.process.output(); };
  REQUIRE(viewer.process.WaitForLine("segment ", 60s).has_value());
  auto pinned = page.Control("/api/rendition", R"({"rendition":"96p"})");
  REQUIRE(pinned);
  REQUIRE(pinned->status == 200);
  REQUIRE(WaitUntil([&] { return said().find("bytes of 96p") != std::string::npos; }, 60s));

  // The source dies; the page retries once it is back.
  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  REQUIRE(viewer.process.WaitForLine("the watch page can retry", 30s).has_value());
  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "clip", 6, args, dir / "b2.log", listen);
  size_t before = said().size();
  auto retried = page.Control("/api/retry", "{}");
  REQUIRE(retried);
  REQUIRE(retried->status == 200);
  // The new run buys 96p from its first segment, pinned, as the page left it.
  auto after = [&] { return Bought(said().substr(before)); };
  REQUIRE_MESSAGE(WaitUntil([&] { return after().size() >= 2; }, 60s), said());
  for (const auto& [seq, rendition] : after()) CHECK(rendition == "96p");
  json figures = page.Status();
  CHECK(figures["rendition"] == "96p");
  CHECK(figures["pinned"] == true);
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a throttled link: the viewer's node goes down within 2 segments, up once it lifts") {
  TempDir dir;
  // Noise keeps x264 at each rendition's bitrate: sizes as named.
  MakeTestClip(dir / "noise.mp4", 60, "testsrc=size=320x240:rate=25,noise=alls=30:allf=t",
               {"-c:v", "libx264", "-preset", "ultrafast", "-qp", "10", "-c:a", "aac"});
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 1000);
  // The viewer reaches the seller through the proxy only: the seller
  // announces the proxy's address.
  ThrottlingProxy link;
  BroadcasterProcess broadcaster(
      t, b, "live", 6,
      {"--source", dir / "noise.mp4", "--renditions", "240p:1200k,144p:300k,96p:100k",
       "--rendition-prices", "6,2,1", "--advertise-url", link.url()},
      dir / "b.log");
  link.SetTarget(std::stoi(broadcaster.url.substr(broadcaster.url.rfind(':') + 1)));
  ViewerProcess viewer(t, c, "live", 1000, {"--out", dir / "out.ts"}, dir / "c.log");

  // What the viewer bought, segment by segment: {seq, rendition}.
  auto bought = [&] { return Bought(viewer.process.output()); };

  // Unthrottled, it buys the top rendition.
  REQUIRE(WaitUntil([&] { return bought().size() >= 2; }, 60s));
  CHECK(bought().back().second == "240p");

  // 80 kB/s carries 144p (about 107 kB a segment) but not 240p (about 330 kB).
  size_t before = bought().size();
  link.SetRate(80'000);
  REQUIRE(WaitUntil([&] { return bought().back().second != "240p"; }, 30s));
  auto after = bought();
  size_t top_after = 0;
  for (size_t i = before; i < after.size(); ++i) top_after += after[i].second == "240p";
  CHECK_MESSAGE(top_after <= 2, "240p segments after the throttle: " << top_after);
  // It stays below while the link is slow.
  size_t down_at = bought().size();
  REQUIRE(WaitUntil([&] { return bought().size() >= down_at + 3; }, 30s));
  for (size_t i = down_at; i < bought().size(); ++i) CHECK(bought()[i].second != "240p");

  // The throttle lifts: back up to the top.
  link.SetRate(0);
  REQUIRE(WaitUntil([&] { return bought().back().second == "240p"; }, 40s));

  // The page pins a quality: bought from the segment after the next, and
  // kept though the link would carry more; the figures say it, with the
  // budget left in playing time at that price.
  WatchPage page(viewer.playlist_url);
  auto refused = page.Control("/api/rendition", R"({"rendition":"4k"})");
  REQUIRE(refused);
  CHECK(refused->status == 400);
  auto pinned = page.Control("/api/rendition", R"({"rendition":"96p"})");
  REQUIRE(pinned);
  CHECK(pinned->status == 200);
  size_t pinned_at = bought().size();
  REQUIRE(WaitUntil([&] { return bought().size() >= pinned_at + 4; }, 30s));
  for (size_t i = pinned_at + 2; i < bought().size(); ++i) CHECK(bought()[i].second == "96p");
  json figures = page.Status();
  CHECK(figures["rendition"] == "96p");
  CHECK(figures["pinned"] == true);
  CHECK(figures["price"] == 1);
  CHECK(figures["renditions"].size() == 3);
  CHECK(figures["seconds_left"] == figures["budget_left"].get<uint64_t>() / 1 * 2);
  CHECK(viewer.process.output().find("s at this quality)") != std::string::npos);

  viewer.process.Signal(SIGINT);
  REQUIRE(viewer.process.Wait(30s) == 0);
  // Every segment at its rendition's price, and each contract's charge at
  // the top price, exactly.
  std::map<std::string, uint64_t> price = {{"240p", 6}, {"144p", 2}, {"96p", 1}};
  uint64_t expected = 0;
  auto all = bought();
  std::string sequence;
  for (const auto& [seq, rendition] : all) {
    expected += price.at(rendition);
    sequence += " " + std::to_string(seq) + ":" + rendition;
  }
  MESSAGE("bought, in order:" << sequence);
  expected += 6 * Locks(viewer.process).size();  // each contract's charge at the top price
  CHECK(Settled(viewer.process, /*last=*/true).first == expected);
  CHECK(Balance(t, c.address()) == 1000 - expected);
  // The segments follow one another, whatever their rendition, and ffmpeg
  // decodes them all as one stream.
  for (size_t i = 1; i < all.size(); ++i) CHECK(all[i].first == all[i - 1].first + 1);
  auto [decoded, errors] = RunCommand(
      {"/usr/bin/ffmpeg", "-hide_banner", "-v", "error", "-i", dir / "out.ts", "-f", "null", "-"},
      120s);
  CHECK(decoded == 0);
  CHECK_MESSAGE(errors.empty(), errors);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == expected);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
