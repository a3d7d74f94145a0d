// A relay re-sells the renditions of a stream its origin sells in several:
// it buys each one from the origin at the origin's price, and sells each at
// its own; a viewer buying from it pays the relay's prices and gets the
// origin's bytes, each segment checked against the origin's signature.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <set>
#include <thread>
#include <vector>

#include "tests/peer/peer_fixture.h"
#include "tests/peer/rendition_output.h"
#include "tests/peer/watch_page.h"
#include "tests/support/special_addresses.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

// The spend addresses of the contracts `output` names that `viewer` bought.
std::set<std::string> SpentFrom(TrackerFixture& t, const std::string& output,
                                const PublicKey& viewer) {
  std::set<std::string> spent;
  for (const json& c : OpenedContracts(t, output))
    if (c["terms"]["viewer"] == viewer.ToHex()) spent.insert(c["terms"]["spend_address"]);
  return spent;
}

// Every segment of the variant in `dir`, as its encoder wrote it.
std::string Whole(const std::string& dir) {
  std::string all;
  for (const std::string& s : ReadSource(dir).bytes) all += s;
  return all;
}

}  // namespace

TEST_CASE("a relay re-sells three renditions at its own prices, each segment the origin's") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeHlsLadder(hls, 12, {{"500k", 0}, {"200k", 144}, {"100k", 96}});
  uint64_t n = ReadSource(hls + "/v0").bytes.size();
  REQUIRE(n >= 5);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r = NewKeyFile(dir / "r.key");
  KeyFile top = NewKeyFile(dir / "top.key");
  KeyFile low = NewKeyFile(dir / "low.key");
  for (const KeyFile* k : {&r, &top, &low}) t.Mint(k->address(), 100);
  BroadcasterProcess origin(
      t, o, "vod", 6,
      {"--hls-dir", hls, "--playlist", "master.m3u8", "--rendition-prices", "6,3,2"},
      dir / "o.log");
  // Refused with the reason, nothing paid: a rendition the origin does
  // not sell, renditions to re-sell without --relay, a budget whose share
  // for a rendition opens no contract there.
  auto with = [&](std::vector<std::string> more,
                  const std::string& budget = "100") {  // {exit status, what it said on stderr}
    std::vector<std::string> argv = {
        BinaryPath("peer"), "watch", "--tracker", t.url(), "--key",    r.path,
        "--stream",         "vod",   "--budget",  budget,  "--listen", "127.0.0.1:0"};
    argv.insert(argv.end(), more.begin(), more.end());
    std::string err = dir / "refused.err";
    std::filesystem::remove(err);
    Process refused(argv, err);
    int status = refused.Wait(60s);
    return std::make_pair(status, ReadWholeFile(err).value_or(""));
  };
  auto [unknown, unknown_said] =
      with({"--relay", "--price", "4", "--relay-renditions", "240p,4k", "--exit-at-end"});
  CHECK(unknown != 0);
  CHECK_MESSAGE(
      unknown_said.find("--relay-renditions: no rendition 4k is sold") != std::string::npos,
      unknown_said);
  auto [alone, alone_said] = with({"--relay-renditions", "all"});
  CHECK(alone != 0);
  CHECK(alone_said.find("--relay-renditions is for --relay") != std::string::npos);
  // 10 shared as 6 : 3 : 2 leaves 240p 7, and its first contract takes 12.
  auto [poor, poor_said] = with({"--relay", "--price", "4", "--relay-renditions", "all"}, "10");
  CHECK(poor != 0);
  CHECK_MESSAGE(poor_said.find("--budget 10 is too small to buy every rendition: 240p's share, 7, "
                               "opens no contract at 12") != std::string::npos,
                poor_said);
  CHECK(Balance(t, r.address()) == 100);
  // A seller of one quality sells no named rendition: a viewer pinned to
  // one buys nothing from it.
  KeyFile solo = NewKeyFile(dir / "solo.key");
  BroadcasterProcess one(t, solo, "solo", 1, {"--hls-dir", hls + "/v1"}, dir / "solo.log");
  auto [pinned, pinned_said] = RunCommand(
      {BinaryPath("peer"), "watch", "--tracker", t.url(), "--key", r.path, "--stream", "solo",
       "--budget", "100", "--listen", "127.0.0.1:0", "--exit-at-end", "--rendition", "144p"},
      60s);
  CHECK(pinned != 0);
  CHECK_MESSAGE(pinned_said.find("the source sells no rendition 144p") != std::string::npos,
                pinned_said);
  CHECK(Balance(t, r.address()) == 100);
  one.process.Signal(SIGINT);
  CHECK(one.process.Wait(30s) == 0);

  ViewerProcess relay(
      t, r, "vod", 100,
      {"--relay", "--price", "4", "--relay-renditions", "all", "--rendition-prices", "4,1,1"},
      dir / "r.log");
  REQUIRE_MESSAGE(relay.process.WaitForLine("relaying ", 60s).has_value(), relay.process.output());
  // It buys each rendition, to the end of the recording.
  REQUIRE_MESSAGE(
      WaitUntil(
          [&] {
            return Matches(relay.process.output(), "stopped buying: the stream ended").size() == 3;
          },
          90s),
      relay.process.output());
  std::string said = relay.process.output();
  CHECK(said.find("relay rendition 240p: bought at 6, sold at 4 a segment") != std::string::npos);
  CHECK(said.find("relay rendition 144p: bought at 3, sold at 1 a segment") != std::string::npos);
  CHECK(said.find("relay rendition 96p: bought at 2, sold at 1 a segment") != std::string::npos);
  // Each bought at the origin's price, every segment.
  CHECK(PaidTo(t, said, o.key.public_key()) == 6 * n + 3 * n + 2 * n);

  // The tracker lists the relay's renditions at its prices.
  auto listed = t.NewClient()->Call("lookup", {{"stream", "vod"}});
  REQUIRE(listed.ok());
  json relayed;
  for (const json& b : (*listed)["broadcasters"]) {
    if (b["broadcaster"] == r.key.public_key().ToHex()) relayed = b;
  }
  REQUIRE(relayed.is_object());
  CHECK(relayed["price"] == 4);
  REQUIRE(relayed["renditions"].size() == 3);
  CHECK(relayed["renditions"][0]["name"] == "240p");
  CHECK(relayed["renditions"][1]["price"] == 1);
  CHECK(relayed["renditions"][2]["height"] == 96);

  // Viewers buy from the relay, cheaper than the origin: the top one at 4;
  // one whose --max-price is 2, what is within it (144p and 96p at 1: the
  // origin's within 2 costs 2), the higher of them.
  ViewerProcess buys_top(t, top, "vod", 100, {"--exit-at-end", "--out", dir / "top.ts"},
                         dir / "top.log");
  ViewerProcess buys_low(t, low, "vod", 100,
                         {"--exit-at-end", "--max-price", "2", "--out", dir / "low.ts"},
                         dir / "low.log");
  REQUIRE_MESSAGE(buys_top.process.Wait(90s) == 0, buys_top.process.output());
  REQUIRE_MESSAGE(buys_low.process.Wait(90s) == 0, buys_low.process.output());
  auto [top_paid, top_segments] = Settled(buys_top.process);
  auto [low_paid, low_segments] = Settled(buys_low.process);
  CHECK(top_segments == n);
  CHECK(low_segments == n);
  CHECK(top_paid == 4 + 4 * n);
  CHECK(low_paid == 1 + 1 * n);
  CHECK(PaidTo(t, buys_top.process.output(), r.key.public_key()) == 4 * n);
  CHECK(PaidTo(t, buys_low.process.output(), r.key.public_key()) == 1 * n);
  // The origin's bytes of each rendition, as its encoder wrote them.
  CHECK(ReadWholeFile(dir / "top.ts") == Whole(hls + "/v0"));
  CHECK(ReadWholeFile(dir / "low.ts") == Whole(hls + "/v1"));
  CHECK(HeightOf(dir / "low.ts") == 144);

  relay.process.Signal(SIGINT);
  CHECK(relay.process.Wait(30s) == 0);
  // The relay's viewers shared its spend address; the last to settle closed
  // it, and the node's final close opened no empty one after it.
  auto open = t.NewClient()->Call("openAddresses", {{"owner", r.key.public_key().ToHex()}});
  REQUIRE(open.ok());
  CHECK((*open)["spend"].is_null());
  std::set<std::string> spent = SpentFrom(t, relay.process.output(), r.key.public_key());
  CHECK_FALSE(spent.empty());
  for (const std::string& address : SpecialAddressesOf(t, "spend", r.key.public_key()))
    CHECK_MESSAGE(spent.count(address) == 1, address << " paid for none of the relay's contracts");
  origin.process.Signal(SIGINT);
  CHECK(origin.process.Wait(30s) == 0);
  uint64_t to_origin = (6 + 6 * n) + (3 + 3 * n) + (2 + 2 * n);
  CHECK(Balance(t, o.address()) == to_origin);
  // The relay's deposits all came back; its income paid out.
  CHECK(Balance(t, r.address()) == 100 - to_origin + top_paid + low_paid);
  CHECK(Balance(t, top.address()) == 100 - top_paid);
  CHECK(Balance(t, low.address()) == 100 - low_paid);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a live relay of three renditions: the lower ones bought from the top one's first segment, "
    "a top-up shared among them") {
  TempDir dir;
  MakeTestClip(dir / "clip.mp4", 56);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile r = NewKeyFile(dir / "r.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(r.address(), 400);
  t.Mint(c.address(), 100);
  BroadcasterProcess origin(t, o, "live", 6,
                            {"--source", dir / "clip.mp4", "--renditions",
                             "240p:600k,144p:200k,96p:100k", "--rendition-prices", "6,2,1"},
                            dir / "o.log");
  std::this_thread::sleep_for(5s);  // a few segments out: the relay joins past segment 0
  // A budget of 90: 60, 20 and 10 for the renditions, in proportion to the
  // origin's prices; each share pays for nine segments and the charge.
  ViewerProcess relay(
      t, r, "live", 90,
      {"--relay", "--price", "3", "--relay-renditions", "all", "--rendition-prices", "3,1,1"},
      dir / "r.log");
  REQUIRE_MESSAGE(relay.process.WaitForLine("relaying ", 60s).has_value(), relay.process.output());
  auto starts = [&](const std::string& prefix) {  // where its contracts started
    std::vector<uint64_t> out;
    for (const auto& m :
         Matches(relay.process.output(),
                 "\\n" + prefix + "contract [0-9a-f]{64} opened [^\\n]*from segment (\\d+)"))
      out.push_back(std::stoull(m[0]));
    return out;
  };
  // Each lower rendition is bought on its own thread: either may open first.
  REQUIRE_MESSAGE(
      WaitUntil(
          [&] { return !starts("rendition 144p: ").empty() && !starts("rendition 96p: ").empty(); },
          60s),
      relay.process.output());
  // Each lower rendition starts where the top one did: the renditions it holds line up.
  REQUIRE_FALSE(starts("").empty());
  uint64_t first = starts("").front();
  CHECK(first > 0);
  CHECK(starts("rendition 144p: ").front() == first);
  CHECK(starts("rendition 96p: ").front() == first);

  // Each share spent, each rendition's viewer waits for a top-up. One the
  // key's address cannot pay whole is refused (310 left after the deposits
  // of 90: each rendition's share of 320 alone would fit), changing
  // nothing. Of three sent at once, each of which fits alone but no two
  // (180 each; two shares of each rendition would fit), two are refused.
  // One from the command line is shared as the budget was, and each buys
  // on to the end of the clip.
  auto said = [&](const std::string& line) {
    return relay.process.output().find(line) != std::string::npos;
  };
  REQUIRE_MESSAGE(WaitUntil(
                      [&] {
                        return said("rendition 144p: ALERT the budget is spent") &&
                               said("rendition 96p: ALERT the budget is spent");
                      },
                      60s),
                  relay.process.output());
  WatchPage page(relay.playlist_url);
  auto refused = page.Control("/api/top-up", R"({"amount":320})");
  REQUIRE(refused);
  CHECK(refused->status == 409);
  CHECK_MESSAGE(refused->body.find("would need 320") != std::string::npos, refused->body);
  std::array<int, 3> statuses{};
  std::array<std::string, 3> bodies;
  {
    std::vector<std::jthread> senders;
    for (size_t i = 0; i < statuses.size(); ++i) {
      senders.emplace_back([&, i] {
        auto sent = page.Control("/api/top-up", R"({"amount":180})");
        if (sent) std::tie(statuses[i], bodies[i]) = std::pair(sent->status, sent->body);
      });
    }
  }
  std::ranges::sort(statuses);
  const std::array<int, 3> one_taken{200, 409, 409};
  CHECK_MESSAGE(statuses == one_taken, "answered ", statuses[0], " ", statuses[1], " ", statuses[2],
                ": ", bodies[0], bodies[1], bodies[2]);
  auto [topped, answer] =
      RunCommand({BinaryPath("peer"), "wallet", "--node", page.base, "topup", "--amount", "90"});
  CHECK(topped == 0);
  CHECK_MESSAGE(answer.starts_with("budget 240, "), answer);  // the top one's 60, 120 and 60
  REQUIRE_MESSAGE(WaitUntil(
                      [&] {
                        return starts("rendition 144p: ").size() >= 2 &&
                               starts("rendition 96p: ").size() >= 2;
                      },
                      60s),
                  relay.process.output());
  CHECK(said("rendition 144p: budget topped up by 40 to 60"));
  CHECK(said("rendition 144p: budget topped up by 20 to 80"));
  CHECK(said("rendition 96p: budget topped up by 20 to 30"));
  CHECK(said("rendition 96p: budget topped up by 10 to 40"));

  // A viewer of 96p buys it from the relay, at the relay's price.
  ViewerProcess viewer(t, c, "live", 100, {"--rendition", "96p", "--out", dir / "c.ts"},
                       dir / "c.log");
  REQUIRE_MESSAGE(
      WaitUntil(
          [&] { return Matches(viewer.process.output(), "bytes of 96p: bought").size() >= 4; },
          60s),
      viewer.process.output());
  viewer.process.Signal(SIGINT);
  REQUIRE(viewer.process.Wait(30s) == 0);
  auto [paid, segments] = Settled(viewer.process, /*last=*/true);
  CHECK(segments >= 4);
  CHECK(PaidTo(t, viewer.process.output(), r.key.public_key()) == 1 * segments);
  CHECK(PaidTo(t, viewer.process.output(), o.key.public_key()) == 0);
  CHECK(paid == Locks(viewer.process).size() * 1 + 1 * segments);  // each charge at 1
  CHECK(HeightOf(dir / "c.ts") == 96);
  auto [decoded, errors] = RunCommand(
      {"/usr/bin/ffmpeg", "-hide_banner", "-v", "error", "-i", dir / "c.ts", "-f", "null", "-"},
      120s);
  CHECK(decoded == 0);
  CHECK_MESSAGE(errors.empty(), errors);

  relay.process.Signal(SIGINT);
  CHECK(relay.process.Wait(60s) == 0);
  origin.process.Signal(SIGINT);
  CHECK(origin.process.Wait(30s) == 0);
  CHECK(Balance(t, c.address()) == 100 - paid);
  // Every token the relay's or the origin's or the viewer's, none left in a special address.
  CHECK(Balance(t, r.address()) + Balance(t, o.address()) + Balance(t, c.address()) == 500);
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
