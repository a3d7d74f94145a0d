// A broadcaster that restarts, killed with kill -9 or stopped cleanly,
// settles what it held and its viewers carry on under new contracts.
#include <set>

#include "tests/peer/hand_viewer.h"
#include "tests/peer/peer_fixture.h"
#include "tests/peer/rendition_output.h"
#include "tests/support/special_addresses.h"

namespace tollstream::test {
namespace {

// A live stream of `seconds` being encoded into `live`, a tracker, a
// broadcaster's key `b` and a viewer's key `c` holding `funds`.
struct LiveSale {
  LiveSale(int seconds, uint64_t funds) : encoder(StartLiveEncoder(live, seconds)) {
    t.Mint(c.address(), funds);
  }
  TempDir dir;
  std::string live = dir / "live";
  std::unique_ptr<Process> encoder;
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
};

// The sequence numbers of the segments a viewer's output says it bought.
std::vector<uint64_t> BoughtSeqs(const std::string& output) {
  std::vector<uint64_t> seqs;
  for (size_t pos = 0; (pos = output.find("\nsegment ", pos)) != std::string::npos; ++pos) {
    seqs.push_back(std::stoull(output.substr(pos + 9)));
  }
  return seqs;
}

struct Opened {
  std::string id;
  uint64_t from = 0;  // the first segment it bought
};

// The contracts a viewer's output says it opened.
std::vector<Opened> OpenedContracts(const std::string& output) {
  std::vector<Opened> opened;
  for (size_t pos = 0; (pos = output.find("\ncontract ", pos)) != std::string::npos; ++pos) {
    std::string id = output.substr(pos + 10, 64);
    if (output.compare(pos + 10 + 64, 8, " opened ") != 0) continue;
    size_t end = output.find('\n', pos + 1);
    size_t last_space = output.rfind(' ', end);
    opened.push_back({id, std::stoull(output.substr(last_space + 1))});
  }
  return opened;
}

}  // namespace

TEST_CASE(
    "a broadcaster killed mid-stream closes with its stored receipt after a restart, and its "
    "viewer carries on under a new contract; a clean restart too") {
  LiveSale sale(44, 100);
  auto& [dir, live, encoder, t, b, c] = sale;
  std::vector<std::string> args = {"--hls-dir", live, "--state-dir", dir / "b.state"};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);  // the same address after the restart
  REQUIRE(WaitForSegments(live, 2, 60s));

  ViewerProcess viewer(t, c, "live", 100, {"--exit-at-end"}, dir / "c.log");
  auto opened = viewer.process.WaitForLine("contract ", 30s);
  REQUIRE(opened.has_value());
  std::string id = opened->substr(0, 64);
  uint64_t from = std::stoull(opened->substr(opened->rfind(' ') + 1));
  for (int i = 0; i < 3; ++i) REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  size_t bought = BoughtSeqs(viewer.process.output()).size();

  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b2.log", listen);
  auto stored = broadcaster->process.output();
  CHECK(stored.find("contract " + id + " closed from the stored receipt") != std::string::npos);

  auto checker = t.NewClient();
  json contract = *checker->Call("contract", {{"id", id}});
  CHECK(contract["state"] == "closed");
  uint64_t paid_segments = contract["segments"];
  CHECK(paid_segments + 1 >= bought);  // at most the one segment in flight is unpaid
  CHECK(paid_segments <= bought);
  CHECK(contract["paid"] == 2 * paid_segments);
  // The stored receipt's hash chain is over exactly the source segments delivered.
  SourceSegments source = ReadSource(live);
  Hash256 chain = *FromHexFixed<32>(id);
  for (uint64_t i = 0; i < paid_segments; ++i) {
    chain = ExtendChain(chain, Sha256(source.bytes[from + i - source.playlist.media_sequence]));
  }
  CHECK(contract["chain"] == ToHex(chain));

  // The viewer finds the contract gone and opens another with the
  // restarted node, from the segment after the last it bought.
  REQUIRE(viewer.process.WaitForLine("renewing: the source no longer holds the contract", 60s)
              .has_value());
  auto reopened = viewer.process.WaitForLine("contract ", 30s);
  REQUIRE(reopened.has_value());
  CHECK(std::stoull(reopened->substr(reopened->rfind(' ') + 1)) == from + bought);
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());

  // A clean restart: the node settles at its stop, the viewer renews again.
  broadcaster->process.Signal(SIGINT);
  REQUIRE(broadcaster->process.Wait(30s) == 0);
  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b3.log", listen);

  REQUIRE_MESSAGE(viewer.process.Wait(120s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  // No gap and no segment twice, across the three contracts.
  std::vector<uint64_t> seqs = BoughtSeqs(out);
  REQUIRE(!seqs.empty());
  for (size_t i = 0; i < seqs.size(); ++i) CHECK(seqs[i] == from + i);
  CHECK(seqs.back() == source.playlist.media_sequence + ReadSource(live).bytes.size() - 1);
  // What the tracker settled: each segment paid at most once, only the one
  // in flight at the kill unpaid (a clean stop takes the receipt owed
  // before it closes), and one opening charge per contract.
  std::vector<Opened> ids = OpenedContracts(out);
  REQUIRE(ids.size() == 3);
  uint64_t paid = 0, segments = 0, charged = 0;
  for (size_t k = 0; k < ids.size(); ++k) {
    json settled = *checker->Call("contract", {{"id", ids[k].id}});
    CHECK(settled["state"] == "closed");
    paid += settled["paid"].get<uint64_t>();
    segments += settled["segments"].get<uint64_t>();
    charged += settled["charged"].get<uint64_t>();
    if (k == 0) continue;  // the one killed
    uint64_t delivered = (k + 1 < ids.size() ? ids[k + 1].from : seqs.back() + 1) - ids[k].from;
    CHECK_MESSAGE(settled["segments"] == delivered, "contract ", k + 1);
  }
  CHECK(segments <= seqs.size());
  CHECK(segments + 1 >= seqs.size());
  CHECK(paid == 2 * segments);
  CHECK(charged == 2 * ids.size());
  CHECK(Balance(t, c.address()) == 100 - paid - charged);
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid + charged);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("bought ", bought, " segments before the kill; the stored receipt paid ", paid_segments,
          "; ", seqs.size(), " segments in all under ", ids.size(), " contracts");
  encoder->Wait(60s);
}

TEST_CASE(
    "a viewer killed mid-stream: the contract closes at its last receipt, the deposit comes back") {
  LiveSale sale(30, 100);
  auto& [dir, live, encoder, t, b, c] = sale;
  BroadcasterProcess broadcaster(t, b, "live", 3, {"--hls-dir", live, "--receipt-timeout", "2"},
                                 dir / "b.log");
  ViewerProcess viewer(t, c, "live", 60, {}, dir / "c.log");
  auto opened = viewer.process.WaitForLine("contract ", 60s);
  REQUIRE(opened.has_value());
  std::string id = opened->substr(0, 64);
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  viewer.process.Signal(SIGKILL);
  REQUIRE(viewer.process.Wait(10s) == 128 + SIGKILL);

  // The broadcaster hears nothing more and closes at the last receipt it holds.
  REQUIRE(broadcaster.process.WaitForLine("contract " + id + " closed", 30s).has_value());
  auto checker = t.NewClient();
  json contract = *checker->Call("contract", {{"id", id}});
  CHECK(contract["state"] == "closed");
  uint64_t paid = contract["paid"];
  CHECK(paid >= 3);  // at least the first segment was paid for
  json spend = *checker->Call("account", {{"address", contract["terms"]["spend_address"]}});
  uint64_t charged = contract["charged"];
  CHECK(charged == 3);  // the opening charge: one segment's price
  CHECK(spend["locked"] == 0);
  CHECK(spend["balance"] == 60 - paid - charged);

  // The viewer's owner takes the rest back: its spend address was open, and
  // it has no income address, so reclaiming opens none.
  auto reclaim = [&] {
    return RunCommand(
        {BinaryPath("peer"), "wallet", "--tracker", t.url(), "--key", c.path, "reclaim"});
  };
  auto open_addresses = [&] {
    return *checker->Call("openAddresses", {{"owner", c.key.public_key().ToHex()}});
  };
  CHECK(open_addresses()["spend"] == contract["terms"]["spend_address"]);
  CHECK(open_addresses()["income"].is_null());
  auto [status, out] = reclaim();
  CHECK(status == 0);
  CHECK(out.find("reclaimed " + std::to_string(60 - paid - charged)) != std::string::npos);
  CHECK(Balance(t, c.address()) == 100 - paid - charged);
  CHECK(open_addresses()["spend"].is_null());
  CHECK(open_addresses()["income"].is_null());
  // Again, with none open: nothing moves, and none is opened (not even to
  // be closed at once): the key has had one spend address and no income one.
  auto [again, again_out] = reclaim();
  CHECK(again == 0);
  CHECK_MESSAGE(again_out.find("reclaimed 0;") != std::string::npos, again_out);
  CHECK(open_addresses()["spend"].is_null());
  CHECK(open_addresses()["income"].is_null());
  CHECK(SpecialAddressesOf(t, "spend", c.key.public_key()).size() == 1);
  CHECK(SpecialAddressesOf(t, "income", c.key.public_key()).empty());
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid + charged);
  CHECK(t.Audit(true).first == 0);
  encoder->Signal(SIGTERM);
}

TEST_CASE(
    "a broadcaster restarted with its state directory lost closes the contracts the tracker holds "
    "open for it") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 8);
  std::this_thread::sleep_for(2500ms);  // the files settle before they are signed
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  std::string state = dir / "b.state";
  std::vector<std::string> args = {"--hls-dir", vod, "--state-dir", state};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "demo", 2, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);
  HandViewer v(t, "demo", 100);
  std::string id = v.Open(4);
  auto d = v.Ask(v.receipt);
  REQUIRE(d.kind == BroadcasterClient::Delivery::Kind::kSegment);
  v.Pay(d);
  (void)v.Ask(v.receipt);  // the receipt is on disk before the next segment leaves
  json spend = *v.party.client->Call("account", {{"address", v.spend}});
  CHECK(spend["locked"] == 8);

  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  std::filesystem::remove_all(state);
  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "demo", 2, args, dir / "b2.log", listen);
  CHECK(broadcaster->process.output().find("contract " + id +
                                           " was open at the tracker with no record here") !=
        std::string::npos);
  json contract = v.ContractState(id);
  CHECK(contract["state"] == "closed");
  CHECK(contract["paid"] == 0);  // without its receipt, nothing more is owed
  spend = *v.party.client->Call("account", {{"address", v.spend}});
  CHECK(spend["locked"] == 0);  // the deposit is free now, not at expiry
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a viewer restarted with its store directory buys on from the first segment its earlier run "
    "had not paid for") {
  LiveSale sale(24, 200);
  auto& [dir, live, encoder, t, b, c] = sale;
  BroadcasterProcess broadcaster(t, b, "live", 2, {"--hls-dir", live, "--receipt-timeout", "2"},
                                 dir / "b.log");
  REQUIRE(WaitForSegments(live, 2, 60s));
  std::string store = dir / "store";
  auto first = std::make_unique<ViewerProcess>(
      t, c, "live", 60, std::vector<std::string>{"--store-dir", store}, dir / "c.log");
  for (int i = 0; i < 3; ++i) REQUIRE(first->process.WaitForLine("segment ", 30s).has_value());
  first->process.Signal(SIGKILL);
  REQUIRE(first->process.Wait(10s) == 128 + SIGKILL);
  std::vector<uint64_t> before = BoughtSeqs(first->process.output());
  REQUIRE(!before.empty());
  auto kept = ReadWholeFile(store + "/resume.json");
  REQUIRE(kept.has_value());
  uint64_t next = json::parse(*kept)["next"];
  // Written before a segment is shown: at most the one being shown is not printed yet.
  CHECK(next >= before.back() + 1);
  CHECK(next <= before.back() + 2);

  ViewerProcess second(t, c, "live", 60, {"--store-dir", store, "--exit-at-end"}, dir / "c2.log");
  REQUIRE_MESSAGE(second.process.Wait(120s) == 0, second.process.output());
  std::string out = second.process.output();
  INFO(out);
  CHECK(out.find("resuming at segment " + std::to_string(next)) != std::string::npos);
  std::vector<uint64_t> after = BoughtSeqs(out);
  REQUIRE(!after.empty());
  CHECK(after.front() == next);  // none paid twice, none skipped
  CHECK(after.back() ==
        ReadSource(live).playlist.media_sequence + ReadSource(live).bytes.size() - 1);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
  MESSAGE("the first run bought " << before.size() << " segments (to " << before.back()
                                  << "); the restarted one began at " << after.front());
}

TEST_CASE("a clean stop takes the receipt for the segment delivered last, then ends the contract") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 8);
  std::this_thread::sleep_for(2500ms);  // the files settle before they are signed
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess broadcaster(t, b, "demo", 2, {"--hls-dir", vod}, dir / "b.log");
  HandViewer v(t, "demo", 100);
  std::string id = v.Open(4);
  auto d = v.Ask(v.receipt);
  REQUIRE(d.kind == BroadcasterClient::Delivery::Kind::kSegment);
  v.Pay(d);  // delivered, its receipt not sent yet
  HandViewer late(t, "demo", 100);

  broadcaster.process.Signal(SIGINT);
  // Stopping: no new offers, no further segment, then withdrawn.
  CHECK(WaitUntil(
      [&] {
        auto listed = late.party.client->Call("lookup", {{"stream", "demo"}});
        return listed.ok() && (*listed)["broadcasters"].empty();
      },
      10s));
  auto refused = late.TryOpen(4);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kUnavailable);
  auto end = v.Ask(v.receipt);
  REQUIRE(end.kind == BroadcasterClient::Delivery::Kind::kEnd);
  CHECK(end.result["reason"] == std::string(kEndSellerStopped));
  CHECK(end.result["paid"] == 2);
  REQUIRE(broadcaster.process.Wait(30s) == 0);
  json contract = v.ContractState(id);
  CHECK(contract["state"] == "closed");
  CHECK(contract["segments"] == 1);  // the segment delivered last is paid
  CHECK(contract["paid"] == 2);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "a broadcaster killed and back 10 s later: the viewer says it is reconnecting, resumes, and "
    "its local playlist has no gap") {
  LiveSale sale(36, 200);
  auto& [dir, live, encoder, t, b, c] = sale;
  std::vector<std::string> args = {"--hls-dir", live, "--state-dir", dir / "b.state"};
  auto broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b.log");
  std::string listen = broadcaster->url.substr(7);
  REQUIRE(WaitForSegments(live, 2, 60s));
  ViewerProcess viewer(t, c, "live", 150, {"--exit-at-end"}, dir / "c.log");
  for (int i = 0; i < 2; ++i) REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  broadcaster->process.Signal(SIGKILL);
  REQUIRE(broadcaster->process.Wait(10s) == 128 + SIGKILL);
  REQUIRE(viewer.process.WaitForLine("the source does not answer: reconnecting", 15s).has_value());
  std::this_thread::sleep_for(10s);
  broadcaster = std::make_unique<BroadcasterProcess>(t, b, "live", 2, args, dir / "b2.log", listen);

  REQUIRE_MESSAGE(viewer.process.Wait(120s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("renewing: ") != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);
  // Every segment from the first bought to the stream's last, once, in order.
  std::vector<uint64_t> seqs = BoughtSeqs(out);
  REQUIRE(seqs.size() >= 2);
  for (size_t i = 1; i < seqs.size(); ++i) CHECK(seqs[i] == seqs[i - 1] + 1);
  encoder->Wait(60s);
  SourceSegments source = ReadSource(live);
  CHECK(seqs.back() == source.playlist.media_sequence + source.bytes.size() - 1);
  broadcaster->process.Signal(SIGINT);
  CHECK(broadcaster->process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("a source gone for good: after --reconnect S and S more of looking, the viewer stops") {
  LiveSale sale(30, 100);
  auto& [dir, live, encoder, t, b, c] = sale;
  BroadcasterProcess broadcaster(t, b, "live", 2, {"--hls-dir", live}, dir / "b.log");
  REQUIRE(WaitForSegments(live, 2, 60s));
  ViewerProcess viewer(t, c, "live", 60, {"--exit-at-end", "--reconnect", "3"}, dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("segment ", 30s).has_value());
  broadcaster.process.Signal(SIGKILL);
  REQUIRE(broadcaster.process.Wait(10s) == 128 + SIGKILL);
  auto gone = std::chrono::steady_clock::now();
  // With the default of 30 s it would wait 60 s in all.
  REQUIRE_MESSAGE(viewer.process.Wait(40s) == 0, viewer.process.output());
  std::chrono::duration<double> took = std::chrono::steady_clock::now() - gone;
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("the source does not answer: reconnecting (") != std::string::npos);
  CHECK(out.find("renewing: the source stopped answering for 3 s") != std::string::npos);
  CHECK(out.find("stopped buying: ") != std::string::npos);
  MESSAGE("the viewer stopped " << took.count() << " s after its source was killed");
  encoder->Signal(SIGTERM);
}

}  // namespace tollstream::test
