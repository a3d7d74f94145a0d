#include "common/http/connection_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "common/http/http_server.h"

namespace tollstream {
namespace {

constexpr size_t kReadChunk = 64 << 10;
constexpr size_t kMostDrained = 1 << 20;  // read and dropped after a refusal
constexpr auto kDrainTime = std::chrono::seconds(2);
constexpr auto kScanEvery = std::chrono::milliseconds(100);

int PortOf(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
  return 0;
}

std::string AddressOf(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = "";
  if (a.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&a)->sin_addr, text, sizeof text);
  } else if (a.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&a)->sin6_addr, text, sizeof text);
  }
  return text;
}

}  // namespace

struct ConnectionLoop::Connection {
  int fd;
  enum class State { kReading, kWorking, kDraining } state = State::kReading;
  std::unique_ptr<Request> request;
  std::string leftover;  // bytes after the request: the next one's
  Clock::time_point deadline;
  bool continued = false;  // "100 Continue" sent for this request
  size_t drained = 0;
};

ConnectionLoop::ConnectionLoop(int listen_fd, const ServerTuning& tuning, Answerer& answerer)
    : m_listen_fd(listen_fd), m_tuning(tuning), m_answerer(answerer) {
  m_epoll = ::epoll_create1(EPOLL_CLOEXEC);
  m_wake = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

ConnectionLoop::~ConnectionLoop() {
  Stop();
  for (auto& [fd, c] : m_connections) ::close(fd);
  if (m_epoll >= 0) ::close(m_epoll);
  if (m_wake >= 0) ::close(m_wake);
}

RequestLimits ConnectionLoop::Limits() const {
  RequestLimits limits = m_tuning.limits;
  limits.max_body_bytes = m_tuning.max_body_bytes;
  return limits;
}

void ConnectionLoop::Run() {
  epoll_event listen{EPOLLIN, {.fd = m_listen_fd}};
  epoll_event wake{EPOLLIN, {.fd = m_wake}};
  ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen_fd, &listen);
  ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_wake, &wake);
  for (size_t i = 0; i < m_tuning.threads; ++i) m_workers.emplace_back([this] { Work(); });
  m_running = !m_stop;
  auto next_scan = Clock::now();
  epoll_event events[256];
  while (!m_stop) {
    int n = ::epoll_wait(m_epoll, events, 256, 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == m_listen_fd) {
        Accept();
      } else if (fd == m_wake) {
        uint64_t count;
        (void)!::read(m_wake, &count, sizeof count);
        TakeReturned();
      } else if (auto it = m_connections.find(fd); it != m_connections.end()) {
        Readable(*it->second);
      }
    }
    auto now = Clock::now();
    if (now >= next_scan) {
      Expire(now);
      next_scan = now + kScanEvery;
    }
  }
  m_running = false;
  {
    std::lock_guard lock(m_mutex);
    m_work_closed = true;
  }
  m_work_ready.notify_all();
  for (auto& w : m_workers) w.join();
  m_workers.clear();
  for (auto& [fd, c] : m_connections) ::close(fd);
  m_connections.clear();
  m_returned.clear();
}

void ConnectionLoop::Stop() {
  m_stop = true;
  uint64_t one = 1;
  if (m_wake >= 0) (void)!::write(m_wake, &one, sizeof one);
}

void ConnectionLoop::Accept() {
  while (true) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    int fd = ::accept4(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), &len,
                       SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // No descriptor for it: stop listening for a moment, not spin.
        ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, m_listen_fd, nullptr);
        m_accepting = false;
        m_resume_accepting = Clock::now() + kScanEvery;
      }
      return;
    }
    if (m_connections.size() >= m_tuning.max_connections) {
      Refuse(fd);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    auto c = std::make_unique<Connection>();
    c->fd = fd;
    c->request = std::make_unique<Request>(Limits());
    c->request->remote = AddressOf(addr);
    c->request->remote_port = PortOf(addr);
    c->deadline = Clock::now() + std::chrono::seconds(m_tuning.keep_alive_timeout_seconds);
    Connection& ref = *c;
    m_connections.emplace(fd, std::move(c));
    Watch(ref);
  }
}

void ConnectionLoop::Refuse(int fd) {
  static constexpr char kBusy[] =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 43\r\n"
      "Connection: close\r\nRetry-After: 1\r\n\r\nthe server has too many connections; retry\n";
  (void)!::send(fd, kBusy, sizeof kBusy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
}

void ConnectionLoop::Watch(Connection& c) {
  epoll_event e{EPOLLIN | EPOLLRDHUP, {.fd = c.fd}};
  ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, c.fd, &e);
}

void ConnectionLoop::Close(int fd) {
  ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  m_connections.erase(fd);
}

void ConnectionLoop::Readable(Connection& c) {
  char buffer[kReadChunk];
  while (c.state != Connection::State::kWorking) {
    ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) return Close(c.fd);  // the client closed, or failed
    if (c.state == Connection::State::kDraining) {
      c.drained += static_cast<size_t>(n);
      if (c.drained > kMostDrained) return Close(c.fd);
      continue;
    }
    Feed(c, buffer, static_cast<size_t>(n));
  }
}

void ConnectionLoop::Feed(Connection& c, const char* data, size_t size) {
  RequestParser& parser = c.request->parser;
  if (!parser.started() && size > 0) {
    c.deadline = Clock::now() + std::chrono::seconds(m_tuning.read_timeout_seconds);
  }
  size_t used = parser.Feed(std::string_view(data, size));
  if (parser.done() || parser.failed()) {
    c.leftover.assign(data + used, size - used);
    return Dispatch(c);
  }
  if (!c.continued && parser.awaiting_body() &&
      SameName(parser.request().Header("Expect"), "100-continue")) {
    static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
    (void)!::send(c.fd, kContinue, sizeof kContinue - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    c.continued = true;
  }
}

void ConnectionLoop::Dispatch(Connection& c) {
  ::epoll_ctl(m_epoll, EPOLL_CTL_DEL, c.fd, nullptr);
  c.state = Connection::State::kWorking;
  {
    std::lock_guard lock(m_mutex);
    m_work.push_back(&c);
  }
  m_work_ready.notify_one();
}

void ConnectionLoop::Work() {
  while (true) {
    Connection* c = nullptr;
    {
      std::unique_lock lock(m_mutex);
      m_work_ready.wait(lock, [&] { return m_work_closed || !m_work.empty(); });
      if (m_work.empty()) return;
      c = m_work.front();
      m_work.pop_front();
    }
    bool keep = m_answerer.Serve(*c->request, c->fd);
    Outcome outcome = keep                          ? Outcome::kKeep
                      : c->request->parser.failed() ? Outcome::kDrain
                                                    : Outcome::kClose;
    {
      std::lock_guard lock(m_mutex);
      m_returned.emplace_back(c, outcome);
    }
    uint64_t one = 1;
    (void)!::write(m_wake, &one, sizeof one);
  }
}

void ConnectionLoop::TakeReturned() {
  std::vector<std::pair<Connection*, Outcome>> returned;
  {
    std::lock_guard lock(m_mutex);
    returned.swap(m_returned);
  }
  auto now = Clock::now();
  for (auto [c, outcome] : returned) {
    if (m_stop || outcome == Outcome::kClose) {
      Close(c->fd);
      continue;
    }
    if (outcome == Outcome::kDrain) {
      ::shutdown(c->fd, SHUT_WR);
      c->state = Connection::State::kDraining;
      c->deadline = now + kDrainTime;
      Watch(*c);
      continue;
    }
    size_t served = c->request->served + 1;
    std::string remote = std::move(c->request->remote);
    int remote_port = c->request->remote_port;
    c->request = std::make_unique<Request>(Limits());
    c->request->served = served;
    c->request->remote = std::move(remote);
    c->request->remote_port = remote_port;
    c->state = Connection::State::kReading;
    c->continued = false;
    c->deadline = now + std::chrono::seconds(m_tuning.keep_alive_timeout_seconds);
    std::string pipelined = std::move(c->leftover);
    c->leftover.clear();
    if (!pipelined.empty()) {
      Feed(*c, pipelined.data(), pipelined.size());
      if (c->state == Connection::State::kWorking) continue;
    }
    Watch(*c);
  }
}

void ConnectionLoop::Expire(Clock::time_point now) {
  if (!m_accepting && now >= m_resume_accepting) {
    epoll_event listen{EPOLLIN, {.fd = m_listen_fd}};
    ::epoll_ctl(m_epoll, EPOLL_CTL_ADD, m_listen_fd, &listen);
    m_accepting = true;
  }
  std::vector<int> late;
  for (auto& [fd, c] : m_connections) {
    if (c->state != Connection::State::kWorking && now >= c->deadline) late.push_back(fd);
  }
  for (int fd : late) Close(fd);
}

}  // namespace tollstream
