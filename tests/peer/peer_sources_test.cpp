// How a viewer chooses among the sources of a stream when some of them are
// hostile or merely in the way: a second origin of the same name, and a
// crowd of relays that never answer.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "common/client/tracker_api.h"
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {
namespace {

// A TCP listener on loopback that accepts connections and never answers
// them; it counts how many it held open at once.
class SilentServer {
 public:
  SilentServer() {
    m_fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(m_fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(m_fd, 64) == 0);
    socklen_t len = sizeof addr;
    getsockname(m_fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    m_thread = std::thread([this] { Run(); });
  }
  ~SilentServer() {
    m_stop = true;
    m_thread.join();
    close(m_fd);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  int port = 0;
  std::atomic<size_t> most_open{0};
  std::atomic<size_t> accepted{0};

 private:
  void Run() {
    std::vector<pollfd> fds{{m_fd, POLLIN, 0}};
    char buf[4096];
    while (!m_stop) {
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      for (size_t i = fds.size(); i-- > 1;) {  // a client gave up: its socket reads EOF
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
            read(fds[i].fd, buf, sizeof buf) <= 0) {
          close(fds[i].fd);
          fds.erase(fds.begin() + static_cast<std::ptrdiff_t>(i));
        }
      }
      if ((fds[0].revents & POLLIN) != 0) {
        int client = accept(m_fd, nullptr, nullptr);
        if (client >= 0) {
          fds.push_back({client, POLLIN, 0});
          ++accepted;
        }
      }
      most_open = std::max<size_t>(most_open, fds.size() - 1);
    }
    for (size_t i = 1; i < fds.size(); ++i) close(fds[i].fd);
  }
  int m_fd = -1;
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace

TEST_CASE(
    "two origins of one name: a viewer that names none buys from the one live longest, says who "
    "else sells it, and does not exit") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 8);
  TrackerFixture t;
  KeyFile first = NewKeyFile(dir / "first.key");
  KeyFile second = NewKeyFile(dir / "second.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess older(t, first, "news", 4, {"--hls-dir", vod}, dir / "first.log");
  std::this_thread::sleep_for(1100ms);  // `since` counts whole seconds
  // The newcomer is cheaper: price alone would choose it.
  BroadcasterProcess newer(t, second, "news", 2, {"--hls-dir", vod}, dir / "second.log");

  ViewerProcess viewer(t, c, "news", 100, {"--exit-at-end"}, dir / "c.log");
  REQUIRE_MESSAGE(viewer.process.Wait(90s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  std::string older_key = first.key.public_key().ToHex();
  CHECK(out.find("origin " + older_key) != std::string::npos);
  CHECK(out.find("2 origins sell a stream named \"news\": buying from " + older_key) !=
        std::string::npos);
  CHECK(out.find(second.key.public_key().ToHex() + " code " + KeyCode(second.key.public_key())) !=
        std::string::npos);
  CHECK(out.find("broadcaster " + older_key) != std::string::npos);
  CHECK(out.find("stopped buying: the stream ended") != std::string::npos);

  // The other one, named by the code the viewer printed: bought from it.
  std::string newer_key = second.key.public_key().ToHex();
  std::string code = KeyCode(second.key.public_key());
  ViewerProcess chosen(t, c, "news", 20, {"--exit-at-end", "--origin", code}, dir / "c2.log");
  REQUIRE_MESSAGE(chosen.process.Wait(90s) == 0, chosen.process.output());
  std::string picked = chosen.process.output();
  CHECK(picked.find("--origin " + code + ": " + newer_key) != std::string::npos);
  CHECK(picked.find("broadcaster " + newer_key) != std::string::npos);
  CHECK(picked.find("broadcaster " + older_key) == std::string::npos);
  CHECK(t.Audit(true).first == 0);
}

TEST_CASE(
    "ten relays that never answer, cheaper than the origin: probed at once, and the viewer buys "
    "from the origin") {
  TempDir dir;
  std::string vod = dir / "vod";
  MakeTestVideo(vod, 8);
  TrackerFixture t;
  KeyFile o = NewKeyFile(dir / "o.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  t.Mint(c.address(), 100);
  BroadcasterProcess origin(t, o, "news", 4, {"--hls-dir", vod}, dir / "o.log");
  SilentServer silent;
  std::vector<std::unique_ptr<TrackerClient>> fakes;
  for (int i = 0; i < 10; ++i) {
    KeyPair key = KeyPair::Generate();
    fakes.push_back(t.NewClient(key));
    TrackerApi api(*fakes.back());
    REQUIRE(api.GetIncomeAddress().ok());
    REQUIRE(api.Announce({"news", silent.url(), 1, 60, o.key.public_key(), "", "", {}}).ok());
  }

  auto started = std::chrono::steady_clock::now();
  ViewerProcess viewer(t, c, "news", 100, {"--exit-at-end"}, dir / "c.log");
  auto first = viewer.process.WaitForLine("segment ", 60s);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  REQUIRE_MESSAGE(first.has_value(), viewer.process.output());
  REQUIRE_MESSAGE(viewer.process.Wait(90s) == 0, viewer.process.output());
  std::string out = viewer.process.output();
  INFO(out);
  CHECK(out.find("broadcaster " + o.key.public_key().ToHex()) != std::string::npos);
  CHECK(silent.accepted >= 10);
  // Probed side by side: the silent relays were waited for together.
  CHECK(silent.most_open >= 10);
  MESSAGE("first segment " << seconds << " s after the viewer started, with 10 silent relays; "
                           << silent.most_open.load() << " probes open at once");
  CHECK(t.Audit(true).first == 0);
}

}  // namespace tollstream::test
