// Finding a stream: the tracker's directory as `peer streams` prints it, and
// a viewer that cannot buy told why at once (no such stream, with the names
// it may be a slip for; a price above its budget; a balance below its
// deposit), while a stream announced but not started is waited for with
// word every few seconds.
#include <fstream>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// `peer watch` for `stream` run to its end; its exit status, stderr, and
// how long it took.
struct Refusal {
  int status = 0;
  std::string err;
  double seconds = 0;
};
Refusal WatchRefused(TrackerFixture& t, const KeyFile& key, const std::string& stream,
                     uint64_t budget, const std::string& log, std::vector<std::string> extra = {}) {
  auto started = std::chrono::steady_clock::now();
  std::vector<std::string> argv = {
      BinaryPath("peer"), "watch",       "--tracker",    t.url(),    "--key",
      key.path,           "--stream",    stream,         "--budget", std::to_string(budget),
      "--listen",         "127.0.0.1:0", "--exit-at-end"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  Process viewer(argv, log);
  int status = viewer.Wait(20s);  // it waited 60 s before it was told at once
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  return {status, ReadWholeFile(log).value_or(""), took.count()};
}

}  // namespace

TEST_CASE("peer streams lists the live streams with codes and titles; a search narrows them") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 4);
  TrackerFixture t;
  struct Seller {
    const char* stream;
    const char* title;
    uint64_t price;
  };
  std::vector<std::unique_ptr<BroadcasterProcess>> sellers;
  std::vector<KeyFile> keys;
  for (const Seller& s : {Seller{"news", "Evening news", 5}, Seller{"chess", "Blitz <chess>", 1},
                          Seller{"cooking", "Pasta, slowly", 2}}) {
    keys.push_back(NewKeyFile(dir / (std::string(s.stream) + ".key")));
    sellers.push_back(std::make_unique<BroadcasterProcess>(
        t, keys.back(), s.stream, s.price,
        std::vector<std::string>{"--hls-dir", vod, "--title", s.title},
        dir / (std::string(s.stream) + ".log")));
  }
  auto [status, out] = RunCommand({BinaryPath("peer"), "streams", "--tracker", t.url() + "/"});
  CHECK(status == 0);
  INFO(out);
  CHECK(out.find("chess  code " + KeyCode(keys[1].key.public_key()) +
                 "  1 a segment  1 seller  0 viewers  live ") != std::string::npos);
  CHECK(out.find("Blitz <chess>") != std::string::npos);
  CHECK(out.find("cooking  code " + KeyCode(keys[2].key.public_key())) != std::string::npos);
  CHECK(out.find("news  code " + KeyCode(keys[0].key.public_key()) + "  5 a segment") !=
        std::string::npos);
  CHECK(out.find("Evening news") < out.size());
  CHECK(out.find("chess") < out.find("cooking"));  // by name
  CHECK(out.find("cooking") < out.find("news"));

  auto [found_status, found] =
      RunCommand({BinaryPath("peer"), "streams", "--tracker", t.url(), "--search", "PASTA"});
  CHECK(found_status == 0);
  CHECK(found.find("cooking") != std::string::npos);
  CHECK(found.find("chess") == std::string::npos);
  CHECK(found.find("news") == std::string::npos);

  auto [json_status, listed] =
      RunCommand({BinaryPath("peer"), "streams", "--tracker", t.url(), "--json"});
  CHECK(json_status == 0);
  json entries = json::parse(listed);
  REQUIRE(entries.size() == 3);
  CHECK(entries[1]["title"] == "Pasta, slowly");
  CHECK(entries[1]["origin"] == keys[2].key.public_key().ToHex());

  auto [none_status, none] =
      RunCommand({BinaryPath("peer"), "streams", "--tracker", t.url(), "--search", "opera"});
  CHECK(none_status == 0);
  CHECK(none.find("no stream is live") != std::string::npos);
  for (auto& s : sellers) s->process.Signal(SIGINT);
  for (auto& s : sellers) CHECK(s->process.Wait(30s) == 0);
}

TEST_CASE("a viewer that cannot buy is told why at once, and the specific reason") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 4);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  KeyFile poor = NewKeyFile(dir / "poor.key");
  t.Mint(c.address(), 1000);
  t.Mint(poor.address(), 10);
  BroadcasterProcess broadcaster(t, b, "news", 5, {"--hls-dir", vod}, dir / "b.log");

  Refusal wrong_name = WatchRefused(t, c, "News", 100, dir / "c1.log");
  CHECK(wrong_name.status == 2);
  CHECK(wrong_name.err.find("no stream named \"News\" is live at this tracker; did you mean "
                            "\"news\"?") != std::string::npos);

  Refusal too_dear = WatchRefused(t, c, "news", 9, dir / "c2.log");
  CHECK(too_dear.status == 2);
  CHECK(too_dear.err.find("\"news\" sells at 5 a segment at the cheapest; a contract takes 10 "
                          "to open with its first segment") != std::string::npos);
  CHECK(too_dear.err.find("more than --budget 9") != std::string::npos);

  Refusal above_max = WatchRefused(t, c, "news", 100, dir / "c4.log", {"--max-price", "4"});
  CHECK(above_max.status == 2);
  CHECK(above_max.err.find(
            "\"news\" sells at 5 a segment at the cheapest: more than --max-price 4") !=
        std::string::npos);

  // --origin in a key's human form: read as that key (no seller by it here),
  // and an address given there is refused by name.
  KeyPair stranger = KeyPair::Generate();
  Refusal other_origin =
      WatchRefused(t, c, "news", 100, dir / "c5.log", {"--origin", KeyText(stranger.public_key())});
  CHECK(other_origin.status == 2);
  CHECK(other_origin.err.find("no seller of \"news\" by origin code " +
                              KeyCode(stranger.public_key())) != std::string::npos);
  Refusal address_origin =
      WatchRefused(t, c, "news", 100, dir / "c6.log", {"--origin", AddressText(b.address())});
  CHECK(address_origin.status == 2);
  CHECK(address_origin.err.find("is an address, not a public key") != std::string::npos);

  Refusal too_poor = WatchRefused(t, poor, "news", 100, dir / "c3.log");
  CHECK(too_poor.status == 2);
  CHECK(too_poor.err.find("is more than the balance of 10 at " + poor.address() + ": get tokens") !=
        std::string::npos);
  CHECK(Balance(t, poor.address()) == 10);  // nothing moved
  MESSAGE("refused after " << wrong_name.seconds << " s (no such stream), " << too_dear.seconds
                           << " s (price), " << too_poor.seconds << " s (balance)");
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
}

TEST_CASE("a stream is announced only once its first segment exists, then bought") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 4);
  SourceSegments source = ReadSource(vod);
  std::string hls = dir / "hls";
  std::filesystem::create_directories(hls);
  std::string head =
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n";
  std::ofstream(hls + "/index.m3u8") << head;
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  Process broadcaster(
      {BinaryPath("peer"), "broadcast", "--tracker", t.url(), "--key", b.path, "--stream", "soon",
       "--price", "1", "--hls-dir", hls, "--listen", "127.0.0.1:0"},
      dir / "b.log");
  std::this_thread::sleep_for(1500ms);
  auto listed = RunCommand({BinaryPath("peer"), "streams", "--tracker", t.url(), "--json"});
  CHECK(listed.first == 0);
  CHECK(listed.second.find("soon") == std::string::npos);  // an empty playlist is not sold
  // The first segment comes: announced, and bought.
  std::filesystem::copy_file(vod + "/" + source.playlist.segments[0].uri, hls + "/seg0.ts");
  std::ofstream(hls + "/index.m3u8") << head << "#EXTINF:2.0,\nseg0.ts\n#EXT-X-ENDLIST\n";
  REQUIRE(broadcaster.WaitForLine("broadcasting soon at ", 30s).has_value());
  ViewerProcess viewer(t, c, "soon", 50, {}, dir / "c.log");
  auto settled = viewer.process.WaitForLine("settled: ", 60s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.process.output());
  CHECK(settled->starts_with("paid 2 for 1 segments"));
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  broadcaster.Signal(SIGINT);
  CHECK(broadcaster.Wait(30s) == 0);
}

}  // namespace tollstream::test
