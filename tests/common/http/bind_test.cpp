// HttpServer::Bind: its listen queue holds many pending connections
// (connection attempts complete even before the server accepts any), and a
// port in use is refused, not shared.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "common/http/http_server.h"

namespace tollstream {
namespace {

// Starts `count` connections to 127.0.0.1:port; returns how many complete
// their handshake within about a second.
int ConnectMany(int port, int count) {
  std::vector<int> fds;
  for (int i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    fds.push_back(fd);
  }
  // A connection whose handshake the listener accepted into its queue is
  // writable and has no error; a dropped SYN leaves it pending.
  ::usleep(300'000);
  int done = 0;
  for (int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    if (::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0 &&
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      ++done;
    }
    ::close(fd);
  }
  return done;
}

}  // namespace

TEST_CASE("a bound server queues many pending connections") {
  HttpServer server;
  int port = server.Bind("127.0.0.1", 0);
  REQUIRE(port > 0);
  // Nothing accepts: every connection must wait in the listen queue.
  CHECK(ConnectMany(port, 64) == 64);
}

TEST_CASE("Bind reports a port it cannot bind") {
  HttpServer first, second;
  int port = first.Bind("127.0.0.1", 0);
  REQUIRE(port > 0);
  std::string why;
  CHECK(second.Bind("127.0.0.1", port, &why) == -1);
  CHECK(why == "Address already in use");
  HttpServer v6;
  int port6 = v6.Bind("::1", 0);
  CHECK(port6 > 0);
}

}  // namespace tollstream
