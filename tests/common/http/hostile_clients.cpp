#include "tests/common/http/hostile_clients.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

namespace tollstream::test {
namespace {

using Clock = std::chrono::steady_clock;

// A TCP socket from `source` to 127.0.0.1:`port`, its connect started
// (non-blocking). Returns -1 when no socket could be made or the connect
// failed at once.
int StartConnect(const std::string& source, int port, bool* in_progress) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in from{};
  from.sin_family = AF_INET;
  if (::inet_pton(AF_INET, source.c_str(), &from.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<const sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  *in_progress = rc < 0 && errno == EINPROGRESS;
  if (rc < 0 && !*in_progress) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

uint64_t RaiseOpenFileLimit() {
  rlimit limit{};
  ::getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur;
}

int PortOfUrl(const std::string& url) {
  auto host = url.find("//");
  auto colon = url.find(':', host == std::string::npos ? 0 : host + 2);
  return colon == std::string::npos ? 0 : std::stoi(url.substr(colon + 1));
}

// ---- ConnectionFlood ---------------------------------------------------------

struct ConnectionFlood::Slot {
  bool slow = false;
  int fd = -1;
  bool connecting = false;
  bool answered = false;         // the server sent bytes on this connection
  bool ever_opened = false;      // established at least once
  Clock::time_point opened;      // when established
  Clock::time_point free_since;  // when it was last closed or failed
};

ConnectionFlood::ConnectionFlood(FloodOptions options)
    : m_options(std::move(options)), m_slots(m_options.idle + m_options.slow) {
  for (size_t i = m_options.idle; i < m_slots.size(); ++i) m_slots[i].slow = true;
  m_thread = std::thread([this] { Run(); });
}

ConnectionFlood::~ConnectionFlood() {
  m_stop = true;
  m_thread.join();
  for (auto& s : m_slots) {
    if (s.fd >= 0) ::close(s.fd);
  }
}

bool ConnectionFlood::WaitAllOpened(std::chrono::milliseconds timeout) const {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    {
      std::lock_guard lock(m_mutex);
      if (std::all_of(m_slots.begin(), m_slots.end(), [](const Slot& s) { return s.ever_opened; }))
        return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

FloodFigures ConnectionFlood::Figures(std::chrono::milliseconds deadline) const {
  std::lock_guard lock(m_mutex);
  FloodFigures f = m_figures;
  double limit = std::chrono::duration<double>(deadline).count();
  for (const auto& s : m_slots) {
    if (s.fd < 0 || s.connecting) continue;
    (s.slow ? f.slow_open : f.idle_open) += 1;
    if (!s.slow) continue;
    double age = SecondsSince(s.opened);
    f.oldest_slow_open_s = std::max(f.oldest_slow_open_s, age);
    if (age > limit) ++f.slow_overdue;
  }
  for (double lived : m_slow_lifetimes) {
    if (lived > limit) ++f.slow_overdue;
  }
  return f;
}

std::string FloodFigures::Describe() const {
  char text[400];
  std::snprintf(text, sizeof text,
                "%zu connections opened (%zu failed); %zu idle and %zu slow open at the end; the "
                "server dropped %zu idle and %zu slow ones and sent bytes on %zu; the slowest drop "
                "of a slow one after %.1f s; %zu slow ones lived past the deadline (the oldest "
                "still open: %.1f s); %llu bytes dripped",
                opened, connect_failures, idle_open, slow_open, idle_dropped, slow_dropped, answers,
                slowest_drop_s, slow_overdue, oldest_slow_open_s,
                static_cast<unsigned long long>(bytes_dripped));
  return text;
}

// One thread serves every connection: it (re)connects free slots, watches
// for the server's bytes and closes, and drips the slow ones' bytes.
void ConnectionFlood::Run() {
  std::vector<pollfd> fds;
  std::vector<Slot*> owners;
  auto next_drip = Clock::now() + m_options.drip;
  while (!m_stop) {
    fds.clear();
    owners.clear();
    {
      std::lock_guard lock(m_mutex);
      auto now = Clock::now();
      for (auto& s : m_slots) {
        if (s.fd < 0 && now - s.free_since >= m_options.reopen_after) Connect(s);
        if (s.fd < 0) continue;
        fds.push_back({s.fd, static_cast<short>(s.connecting ? POLLOUT : POLLIN), 0});
        owners.push_back(&s);
      }
    }
    ::poll(fds.data(), fds.size(), 50);
    std::lock_guard lock(m_mutex);
    for (size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      if (owners[i]->connecting) {
        Connected(*owners[i]);
      } else {
        Readable(*owners[i]);
      }
    }
    if (Clock::now() >= next_drip) {
      Drip();
      next_drip += m_options.drip;
    }
  }
}

void ConnectionFlood::Connect(Slot& s) {
  bool in_progress = false;
  s.fd = StartConnect(m_options.source, m_options.port, &in_progress);
  s.free_since = Clock::now();
  if (s.fd < 0) {
    ++m_figures.connect_failures;
    return;
  }
  s.connecting = true;
  if (!in_progress) Connected(s);
}

void ConnectionFlood::Connected(Slot& s) {
  int error = 0;
  socklen_t size = sizeof error;
  s.connecting = false;
  if (::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0 || error != 0) {
    ++m_figures.connect_failures;
    ::close(s.fd);
    s.fd = -1;
    s.free_since = Clock::now();
    return;
  }
  s.opened = Clock::now();
  s.ever_opened = true;
  ++m_figures.opened;
  if (s.slow) {
    const std::string& head = m_options.slow_head;
    if (::send(s.fd, head.data(), head.size(), MSG_NOSIGNAL) < 0 && !WouldBlock()) Dropped(s);
  }
}

void ConnectionFlood::Readable(Slot& s) {
  char buffer[4096];
  ssize_t n = ::recv(s.fd, buffer, sizeof buffer, 0);
  if (n > 0) {
    if (!s.answered) ++m_figures.answers;
    s.answered = true;
    return;
  }
  if (n < 0 && WouldBlock()) return;
  Dropped(s);  // EOF or reset: the server closed it
}

void ConnectionFlood::Drip() {
  for (auto& s : m_slots) {
    if (!s.slow || s.fd < 0 || s.connecting) continue;
    ssize_t n = ::send(s.fd, "a", 1, MSG_NOSIGNAL);
    if (n == 1) ++m_figures.bytes_dripped;
    if (n < 0 && !WouldBlock()) Dropped(s);
  }
}

void ConnectionFlood::Dropped(Slot& s) {
  double lived = SecondsSince(s.opened);
  if (s.slow) {
    ++m_figures.slow_dropped;
    m_slow_lifetimes.push_back(lived);
    m_figures.slowest_drop_s = std::max(m_figures.slowest_drop_s, lived);
  } else {
    ++m_figures.idle_dropped;
  }
  ::close(s.fd);
  s.fd = -1;
  s.answered = false;
  s.free_since = Clock::now();
}

// ---- Latencies -------------------------------------------------------------------

Latencies TimeCalls(size_t count, std::chrono::milliseconds spacing,
                    std::chrono::milliseconds budget, const std::function<bool()>& call) {
  constexpr double kNone = std::numeric_limits<double>::infinity();
  Latencies out;
  out.calls = count;
  std::vector<double> ms;
  auto start = Clock::now();
  for (size_t i = 0; i < count; ++i) {
    std::this_thread::sleep_until(start + static_cast<int64_t>(i) * spacing);
    if (Clock::now() - start > budget) break;
    auto begin = Clock::now();
    bool ok = call();
    double took = SecondsSince(begin) * 1000;
    ms.push_back(ok ? took : kNone);
    if (ok) out.answered_max_ms = std::max(out.answered_max_ms, took);
    out.answered += ok ? 1 : 0;
    ++out.made;
  }
  ms.resize(count, kNone);
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) {
    return ms[static_cast<size_t>(std::ceil(q * static_cast<double>(ms.size()))) - 1];
  };
  if (!ms.empty()) {
    out.p50_ms = at(0.50);
    out.p99_ms = at(0.99);
    out.max_ms = ms.back();
  }
  return out;
}

std::string Latencies::Describe() const {
  char text[200];
  std::snprintf(text, sizeof text,
                "p50 %.1f ms, p99 %.1f ms, max %.1f ms (inf: unanswered); %zu of %zu answered "
                "(%zu made in time), the slowest answered in %.1f ms",
                p50_ms, p99_ms, max_ms, answered, calls, made, answered_max_ms);
  return text;
}

// ---- Memory ------------------------------------------------------------------------

Memory ReadMemory(pid_t pid) {
  Memory m;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  while (status >> key) {
    uint64_t kb = 0;
    if (key == "VmRSS:" && status >> kb) m.rss = kb * 1024;
    if (key == "VmHWM:" && status >> kb) m.peak = kb * 1024;
  }
  return m;
}

RssSampler::RssSampler(pid_t pid) {
  m_thread = std::thread([this, pid] {
    while (!m_stop) {
      m_max = std::max(m_max.load(), ReadMemory(pid).rss);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
}

RssSampler::~RssSampler() {
  m_stop = true;
  m_thread.join();
}

}  // namespace tollstream::test
