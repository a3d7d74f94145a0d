// The oversized requests of hostile_clients.h: each sent until the server
// answers or closes, counting the bytes that got out before that.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "tests/common/http/hostile_clients.h"

namespace tollstream::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string RequestHead(const std::string& path) {
  return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
}

// Walks a HostileRequest's parts, sending what the socket takes.
class Sender {
 public:
  explicit Sender(const HostileRequest& r) : m_r(r) { SkipEmpty(); }
  bool done() const { return m_part > m_r.repeat + 1; }
  // One send(); returns its result (bytes, or -1 with errno).
  ssize_t SendSome(int fd) {
    const std::string& part = Current();
    ssize_t n = ::send(fd, part.data() + m_offset, part.size() - m_offset, MSG_NOSIGNAL);
    if (n > 0 && (m_offset += static_cast<size_t>(n)) == part.size()) {
      m_offset = 0;
      ++m_part;
      SkipEmpty();
    }
    return n;
  }

 private:
  const std::string& Current() const {
    if (m_part == 0) return m_r.head;
    return m_part <= m_r.repeat ? m_r.piece : m_r.tail;
  }
  void SkipEmpty() {
    while (!done() && Current().empty()) ++m_part;
  }
  const HostileRequest& m_r;
  uint64_t m_part = 0;  // 0: head, 1..repeat: piece, repeat + 1: tail
  size_t m_offset = 0;
};

// A blocking connect (5 s at most) to 127.0.0.1:`port` with a 64 KiB send
// buffer; the socket is then non-blocking. -1 on failure.
int ConnectSmallBuffer(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int buffer = 64 * 1024;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  timeval connect_timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &connect_timeout, sizeof connect_timeout);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return -1;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// Reads what is there into `answer`; false once the server has closed.
bool ReadAnswer(int fd, std::string& answer) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n > 0) {
      answer.append(buffer, static_cast<size_t>(n));
      continue;
    }
    return n < 0 && WouldBlock();
  }
}

// The status of "HTTP/1.x NNN ...", once its line is complete; else 0.
int StatusOf(const std::string& answer) {
  if (answer.find("\r\n") == std::string::npos || answer.rfind("HTTP/1.", 0) != 0) return 0;
  return answer.size() > 12 ? std::atoi(answer.c_str() + 9) : 0;
}

}  // namespace

HostileRequest LongHeaderLine(const std::string& path, uint64_t bytes) {
  return {RequestHead(path) + "Content-Length: 2\r\nX-Long: ", std::string(64 * 1024, 'a'),
          bytes / (64 * 1024), "\r\n\r\n{}"};
}

HostileRequest ManyHeaderLines(const std::string& path, uint64_t lines) {
  std::string line = "X-Many: v\r\n", block;
  for (int i = 0; i < 1000; ++i) block += line;
  std::string rest;
  for (uint64_t i = 0; i < lines % 1000; ++i) rest += line;
  return {RequestHead(path) + "Content-Length: 2\r\n", block, lines / 1000, rest + "\r\n{}"};
}

HostileRequest ChunkedBody(const std::string& path, uint64_t bytes) {
  std::string chunk = "10000\r\n" + std::string(64 * 1024, ' ') + "\r\n";
  return {RequestHead(path) + "Transfer-Encoding: chunked\r\n\r\n", chunk, bytes / (64 * 1024),
          "0\r\n\r\n"};
}

HostileRequest DeclaredBody(const std::string& path, uint64_t bytes) {
  return {RequestHead(path) + "Content-Length: " + std::to_string(bytes) + "\r\n\r\n", "", 0, ""};
}

PushOutcome Push(int port, const HostileRequest& request, std::chrono::milliseconds stall) {
  PushOutcome out;
  auto start = Clock::now(), last_move = start;
  int fd = ConnectSmallBuffer(port);
  out.closed = fd < 0;
  Sender sender(request);
  std::string answer;
  while (fd >= 0) {
    pollfd p{fd, static_cast<short>(POLLIN | (sender.done() ? 0 : POLLOUT)), 0};
    ::poll(&p, 1, 50);
    bool moved = false;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      out.closed = !ReadAnswer(fd, answer);
      moved = true;
    } else if (p.revents & POLLOUT) {
      ssize_t n = sender.SendSome(fd);
      if (n > 0) out.sent += static_cast<uint64_t>(n);
      if (n < 0 && !WouldBlock()) {
        ReadAnswer(fd, answer);  // an answer that came before the reset
        out.closed = true;
      }
      moved = n != 0;
    }
    out.status = StatusOf(answer);
    if (out.status != 0 || out.closed) break;
    if (moved) last_move = Clock::now();
    if (Clock::now() - last_move > stall) {
      out.stalled = true;
      break;
    }
  }
  out.seconds = SecondsSince(start);
  if (fd >= 0) ::close(fd);
  return out;
}

std::string PushOutcome::Describe() const {
  char text[200];
  std::snprintf(text, sizeof text, "answered %d%s%s after %.1f MB sent in %.2f s", status,
                closed ? ", closed" : "",
                stalled ? ", stalled (no answer within the stall time)" : "",
                static_cast<double>(sent) / 1e6, seconds);
  return text;
}

OversizeFigures SendOversized(int port, const std::string& path, pid_t pid) {
  OversizeFigures f;
  Memory before = ReadMemory(pid);
  f.rss_before = before.rss;
  {
    RssSampler sampler(pid);
    f.long_line = Push(port, LongHeaderLine(path, 100'000'000));
    f.many_lines = Push(port, ManyHeaderLines(path, 200'000));
    f.chunked = Push(port, ChunkedBody(path, 200'000'000));
    f.declared = Push(port, DeclaredBody(path, 200'000'000), std::chrono::seconds(3));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // the server done with them
    f.rss_peak = sampler.max();
  }
  Memory after = ReadMemory(pid);
  f.rss_after = after.rss;
  // A peak between two samples still shows in VmHWM, when it passed the earlier one.
  if (after.peak > before.peak) f.rss_peak = std::max(f.rss_peak, after.peak);
  return f;
}

std::string OversizeFigures::Describe() const {
  char memory[160];
  std::snprintf(memory, sizeof memory,
                "server RSS %.1f MB before, %.1f MB at the highest, %.1f MB after",
                static_cast<double>(rss_before) / 1e6, static_cast<double>(rss_peak) / 1e6,
                static_cast<double>(rss_after) / 1e6);
  return "a 100 MB header line: " + long_line.Describe() +
         "\n200,000 header lines: " + many_lines.Describe() +
         "\na 200 MB chunked body: " + chunked.Describe() +
         "\nContent-Length: 200000000: " + declared.Describe() + "\n" + memory;
}

void CheckOversizedRefused(const OversizeFigures& f) {
  constexpr uint64_t kMB = 1'000'000;
  const PushOutcome& line = f.long_line;
  CHECK((line.status == 431 || (line.status == 0 && line.closed)));
  CHECK(line.sent <= 1 * kMB);
  CHECK(f.many_lines.status == 431);
  CHECK(f.chunked.status == 413);
  CHECK(f.chunked.sent <= 1 * kMB);
  CHECK(f.declared.status == 413);
  CHECK(f.declared.seconds < 2);
  CHECK(f.rss_peak < f.rss_before + 20 * kMB);
  CHECK(f.rss_after < f.rss_before + 20 * kMB);
}

}  // namespace tollstream::test
