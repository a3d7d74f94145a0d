// The peer command as users type it.
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// Runs a command to its end; its exit status and what it wrote (stdout and stderr).
std::pair<int, std::string> RunLogged(std::vector<std::string> argv, const std::string& log) {
  Process p(std::move(argv), log);
  int status = p.Wait(60s);
  return {status, ReadWholeFile(log).value_or("")};
}

}  // namespace

TEST_CASE("keygen prints the key's address and code; wallet shows and moves tokens") {
  TempDir dir;
  TrackerFixture t;
  auto [status, out] = RunCommand({BinaryPath("peer"), "keygen", "--out", dir / "a.key"});
  REQUIRE(status == 0);
  KeyPair a = *LoadKeyFile(dir / "a.key");
  CHECK(out.find("address:          " + AddressText(AddressOf(a.public_key())) + "\n") !=
        std::string::npos);
  CHECK(out.find("public key:       " + KeyText(a.public_key()) + "\n") != std::string::npos);
  CHECK(out.find("code:             " + KeyCode(a.public_key())) != std::string::npos);
  CHECK(out.find("address (hex):    " + AddressOf(a.public_key())) != std::string::npos);
  // `wallet address` says the same, offline (no --tracker).
  auto [offline, lines] =
      RunCommand({BinaryPath("peer"), "wallet", "--key", dir / "a.key", "address"});
  CHECK(offline == 0);
  CHECK(out.find(lines) != std::string::npos);
  CHECK(RunCommand({BinaryPath("peer"), "keygen", "--out", dir / "a.key"}).first !=
        0);  // no overwrite
  t.Mint(AddressOf(a.public_key()), 50);

  auto balance = RunCommand({BinaryPath("peer"), "wallet", "--tracker", t.url(), "--key",
                             dir / "a.key", "balance", "--json"});
  REQUIRE(balance.first == 0);
  CHECK(json::parse(balance.second) ==
        json{{"address", AddressOf(a.public_key())},
             {"address_text", AddressText(AddressOf(a.public_key()))},
             {"balance", 50}});

  KeyPair other = KeyPair::Generate();
  std::string to = AddressText(AddressOf(other.public_key()));
  auto transfer = [&](const std::string& where, const char* amount) {
    return RunLogged({BinaryPath("peer"), "wallet", "--tracker", t.url(), "--key", dir / "a.key",
                      "transfer", "--to", where, "--amount", amount},
                     dir / "transfer.log");
  };
  auto moved = transfer(to, "20");
  CHECK(moved.first == 0);
  CHECK(Balance(t, AddressOf(other.public_key())) == 20);
  auto overdraw = transfer(to, "31");
  CHECK(overdraw.first != 0);
  CHECK(Balance(t, AddressOf(a.public_key())) == 30);

  // Mistakes that would lose tokens are refused before anything is sent.
  std::string typo = to;
  typo[12] = typo[12] == 'q' ? 'p' : 'q';
  struct Mistake {
    std::string to;
    const char* said;
  };
  for (const Mistake& m :
       {Mistake{KeyText(other.public_key()), "is a public key, not an address"},
        Mistake{AddressOf(other.public_key()), "64 hex digits may be a public key"},
        Mistake{other.public_key().ToHex(), "64 hex digits may be a public key"},
        Mistake{typo, "does not match its checksum"},
        Mistake{to.substr(0, to.size() - 1), "does not match its checksum"}}) {
    CAPTURE(m.to);
    auto [refused, said] = transfer(m.to, "5");
    CHECK(refused == 2);
    CHECK(said.find(m.said) != std::string::npos);
  }
  auto [minted, mint_said] =
      RunLogged({BinaryPath("tracker"), "mint", "--data-dir", t.data_dir(), "--tracker", t.url(),
                 "--to", KeyText(other.public_key()), "--amount", "5"},
                dir / "mint.log");
  CHECK(minted == 2);
  CHECK(mint_said.find("is a public key, not an address") != std::string::npos);
  CHECK(Balance(t, AddressOf(a.public_key())) == 30);
  CHECK(Balance(t, AddressOf(other.public_key())) == 20);
}

TEST_CASE("a key file sealed under a passphrase: made and used with it, refused without it") {
  TempDir dir;
  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "a long walk in the hills", 1);
  auto [made, lines] =
      RunCommand({BinaryPath("peer"), "keygen", "--out", dir / "s.key", "--passphrase"});
  REQUIRE(made == 0);
  CHECK(ReadWholeFile(dir / "s.key")->starts_with("tollstream-key-v2 scrypt "));
  auto [shown, address] =
      RunCommand({BinaryPath("peer"), "wallet", "--key", dir / "s.key", "address"});
  CHECK(shown == 0);
  CHECK(lines.find(address) != std::string::npos);  // the same key
  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "a short walk in the hills", 1);
  auto [wrong, wrong_said] = RunLogged(
      {BinaryPath("peer"), "wallet", "--key", dir / "s.key", "address"}, dir / "wrong.log");
  CHECK(wrong == 2);
  CHECK(wrong_said.find("wrong passphrase") != std::string::npos);
  // No passphrase and no terminal (a new session has none): told how to give one.
  ::unsetenv("TOLLSTREAM_KEY_PASSPHRASE");
  auto [none, none_said] = RunLogged(
      {"/usr/bin/setsid", "-w", BinaryPath("peer"), "wallet", "--key", dir / "s.key", "address"},
      dir / "none.log");
  CHECK(none == 2);
  CHECK(none_said.find("is protected by a passphrase: set TOLLSTREAM_KEY_PASSPHRASE") !=
        std::string::npos);

  // Typed on a terminal (script(1) gives the command one; each line typed a
  // second after the one before, once the prompt is up): asked twice, not
  // echoed; the key then loads with it.
  std::string typed = dir / "typed.key";
  auto [asked, shown_there] = RunCommand(
      {"/bin/sh", "-c",
       "(sleep 1; printf 'a quiet river\\n'; sleep 1; printf 'a quiet river\\n'; sleep 1) | "
       "/usr/bin/script -qec '" +
           BinaryPath("peer") + " keygen --out " + typed + " --passphrase' /dev/null"});
  CHECK(asked == 0);
  CHECK(shown_there.find("passphrase for the new key file") != std::string::npos);
  CHECK(shown_there.find("the same passphrase again") != std::string::npos);
  CHECK(shown_there.find("a quiet river") == std::string::npos);  // never echoed
  ::setenv("TOLLSTREAM_KEY_PASSPHRASE", "a quiet river", 1);
  CHECK(RunCommand({BinaryPath("peer"), "wallet", "--key", typed, "address"}).first == 0);
  ::unsetenv("TOLLSTREAM_KEY_PASSPHRASE");
}

TEST_CASE("broadcast --source runs ffmpeg itself; the viewer gets a playable H.264/AAC stream") {
  TempDir dir;
  auto [made, log] =
      RunCommand({"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                  "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=220", "-t",
                  "6", "-c:v", "libx264", "-c:a", "aac", dir / "clip.mp4"});
  REQUIRE(made == 0);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess broadcaster(t, b, "clip", 3, {"--source", dir / "clip.mp4"}, dir / "b.log");
  ViewerProcess viewer(t, c, "clip", 100, {"--exit-at-end", "--out", dir / "out.ts"},
                       dir / "c.log");
  REQUIRE(viewer.process.Wait(120s) == 0);
  CHECK(viewer.process.output().find("stopped buying: the stream ended") != std::string::npos);
  auto [probed, streams] = RunCommand({"/usr/bin/ffprobe", "-v", "error", "-show_entries",
                                       "stream=codec_name", "-of", "csv=p=0", dir / "out.ts"});
  CHECK(probed == 0);
  CHECK(streams.find("h264") != std::string::npos);
  CHECK(streams.find("aac") != std::string::npos);
  auto [timed, duration] = RunCommand({"/usr/bin/ffprobe", "-v", "error", "-show_entries",
                                       "format=duration", "-of", "csv=p=0", dir / "out.ts"});
  CHECK(std::stod(duration) > 5.0);
  broadcaster.process.Signal(SIGINT);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("Ctrl-C on a viewer mid-stream closes the contract and returns the deposit") {
  TempDir dir;
  std::string live = dir / "live";
  auto encoder = StartLiveEncoder(live, 30);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 500);
  BroadcasterProcess broadcaster(t, b, "live", 4, {"--hls-dir", live}, dir / "b.log");
  ViewerProcess viewer(t, c, "live", 200, {}, dir / "c.log");
  REQUIRE(viewer.process.WaitForLine("segment ", 60s).has_value());
  REQUIRE(viewer.process.WaitForLine("segment ", 60s).has_value());
  viewer.process.Signal(SIGINT);
  CHECK(viewer.process.Wait(30s) == 0);
  auto settled = viewer.process.WaitForLine("settled: ", 1s);
  REQUIRE(settled.has_value());
  uint64_t paid = std::stoull(settled->substr(5));
  CHECK(paid >= 8);
  CHECK(settled->find("returned " + std::to_string(200 - paid)) != std::string::npos);
  CHECK(Balance(t, c.address()) == 500 - paid);
  broadcaster.process.Signal(SIGTERM);
  CHECK(broadcaster.process.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE("every command answers --help; wrong use is refused with a reason") {
  for (std::string binary : {"tracker", "peer"}) {
    auto [status, out] = RunCommand({BinaryPath(binary), "--help"});
    CHECK(status == 0);
    CHECK(out.find("usage:") != std::string::npos);
  }
  for (std::string command : {"init", "run", "keygen", "mint", "audit"}) {
    CAPTURE(command);
    auto [status, out] = RunCommand({BinaryPath("tracker"), command, "--help"});
    CHECK(status == 0);
    CHECK(out.find("usage: tracker " + command) != std::string::npos);
  }
  for (std::string command : {"keygen", "wallet", "broadcast", "watch"}) {
    CAPTURE(command);
    auto [status, out] = RunCommand({BinaryPath("peer"), command, "--help"});
    CHECK(status == 0);
    CHECK(out.find("usage: peer " + command) != std::string::npos);
  }
  CHECK(RunCommand({BinaryPath("tracker"), "run", "--data-dir"}).first == 2);
  CHECK(RunCommand({BinaryPath("tracker"), "run", "--bogus", "1"}).first == 2);
  CHECK(RunCommand({BinaryPath("peer"), "watch", "--stream", "x"}).first == 2);
  CHECK(RunCommand({BinaryPath("peer"), "frobnicate"}).first == 2);
}

TEST_CASE(
    "listening on every address announces the address facing the tracker; a port in use says so") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 4);
  TrackerFixture t;
  KeyFile b = NewKeyFile(dir / "b.key");
  BroadcasterProcess wide(t, b, "demo", 1, {"--hls-dir", vod}, dir / "b.log", "0.0.0.0:0");
  std::string port = wide.url.substr(wide.url.rfind(':') + 1);
  std::string facing = "http://127.0.0.1:" + port;  // the tracker is on loopback
  CHECK(wide.process.output().find("announcing " + facing + ": the address that faces") !=
        std::string::npos);
  auto listed = t.NewClient()->Call("lookup", {{"stream", "demo"}});
  REQUIRE(listed.ok());
  REQUIRE((*listed)["broadcasters"].size() == 1);
  CHECK((*listed)["broadcasters"][0]["url"] == facing);

  // A second node on the same port: refused at once, with the reason.
  KeyFile b2 = NewKeyFile(dir / "b2.key");
  Process second(
      {BinaryPath("peer"), "broadcast", "--tracker", t.url() + "/", "--key", b2.path, "--stream",
       "other", "--listen", "127.0.0.1:" + port, "--price", "1", "--hls-dir", vod},
      dir / "b2.err");
  CHECK(second.Wait(60s) != 0);
  auto err = ReadWholeFile(dir / "b2.err");
  REQUIRE(err.has_value());
  CHECK(err->find("cannot listen on 127.0.0.1:" + port + ": Address already in use") !=
        std::string::npos);
  wide.process.Signal(SIGINT);
  CHECK(wide.process.Wait(30s) == 0);
}

}  // namespace tollstream::test
