#include "tests/support/throttling_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace tollstream::test {
namespace {

constexpr int kPollMs = 50;
constexpr size_t kChunk = 4096;

sockaddr_in Loopback(int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

// Writes all of `data`; false when the peer is gone.
bool WriteAll(int fd, const char* data, size_t n) {
  while (n > 0) {
    ssize_t w = ::send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    data += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

ThrottlingProxy::ThrottlingProxy(int target_port) : m_target_port(target_port) {
  m_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in any = Loopback(0);
  socklen_t len = sizeof any;
  if (m_listener < 0 || ::bind(m_listener, reinterpret_cast<sockaddr*>(&any), sizeof any) != 0 ||
      ::listen(m_listener, 64) != 0 ||
      ::getsockname(m_listener, reinterpret_cast<sockaddr*>(&any), &len) != 0) {
    throw std::runtime_error("the throttling proxy cannot listen");
  }
  m_port = ntohs(any.sin_port);
  m_acceptor = std::thread([this] { Accept(); });
}

ThrottlingProxy::~ThrottlingProxy() {
  m_stopping = true;
  m_acceptor.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(m_mutex);
    connections.swap(m_connections);
  }
  for (auto& t : connections) t.join();
  ::close(m_listener);
}

void ThrottlingProxy::Accept() {
  while (!m_stopping) {
    pollfd p{m_listener, POLLIN, 0};
    if (::poll(&p, 1, kPollMs) <= 0) continue;
    int client = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    std::lock_guard lock(m_mutex);
    m_connections.emplace_back([this, client] { Pass(client); });
  }
}

void ThrottlingProxy::Pace(size_t n) {
  uint64_t rate = m_rate;
  if (rate == 0) return;
  auto now = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point go;
  {
    std::lock_guard lock(m_mutex);
    go = std::max(now, m_next_free);
    m_next_free = go + std::chrono::microseconds(n * 1'000'000 / rate);
  }
  while (!m_stopping && std::chrono::steady_clock::now() < go) {
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        go - std::chrono::steady_clock::now(), std::chrono::milliseconds(kPollMs)));
  }
}

void ThrottlingProxy::Pass(int client) {
  int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in target = Loopback(m_target_port);
  if (server < 0 || ::connect(server, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    ::close(client);
    if (server >= 0) ::close(server);
    return;
  }
  char buf[kChunk];
  bool open = true;
  while (open && !m_stopping) {
    pollfd p[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(p, 2, kPollMs) <= 0) continue;
    if (p[0].revents != 0) {  // towards the server: as it comes
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      open = n > 0 && WriteAll(server, buf, static_cast<size_t>(n));
    }
    if (open && p[1].revents != 0) {  // towards the client: paced
      ssize_t n = ::recv(server, buf, sizeof buf, 0);
      if (n > 0) Pace(static_cast<size_t>(n));
      open = n > 0 && WriteAll(client, buf, static_cast<size_t>(n));
    }
  }
  ::close(client);
  ::close(server);
}

}  // namespace tollstream::test
