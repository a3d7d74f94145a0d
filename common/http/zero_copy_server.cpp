#include "common/http/zero_copy_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

namespace tollstream {
namespace {

constexpr size_t kReadBuffer = 4096;
// How often a connection waiting for its next request looks for Stop().
constexpr std::chrono::milliseconds kStopCheck{100};
constexpr size_t kUntouchable = size_t{1} << 30;

// The start of `length` bytes of address space that is never mapped to
// memory (PROT_NONE: touching it faults), or null when `length` is more
// than it holds. Reserved once; it costs no memory.
const char* Untouchable(size_t length) {
  static const char* base = [] {
    void* p = ::mmap(nullptr, kUntouchable, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    return p == MAP_FAILED ? nullptr : static_cast<const char*>(p);
  }();
  return length <= kUntouchable ? base : nullptr;
}

timeval TimeVal(time_t sec, time_t usec) {
  timeval tv{};
  tv.tv_sec = sec;
  tv.tv_usec = static_cast<suseconds_t>(usec);
  return tv;
}

void AddressOf(bool peer, int fd, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  int got = peer ? getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len)
                 : getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  if (got != 0) return;
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    port = ntohs(in->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    inet_ntop(AF_INET6, &in6->sin6_addr, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  } else {
    return;
  }
  ip = text;
}

// One connection's stream. The socket is blocking, with the server's read
// and write timeouts as SO_RCVTIMEO and SO_SNDTIMEO, which bound each read,
// write and sendfile.
class ConnectionStream final : public httplib::Stream {
 public:
  // What SendFileRegion asks for: writes of (part of) `bytes` go out as
  // the same region of `fd` instead.
  struct Region {
    const char* bytes;
    size_t length;
    int fd;
    off_t offset;
  };

  ConnectionStream(int fd, timeval read_timeout, timeval write_timeout)
      : m_fd(fd),
        m_read_timeout(AtLeastOneMicrosecond(read_timeout)),
        m_write_timeout(AtLeastOneMicrosecond(write_timeout)) {
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &m_read_timeout, sizeof(m_read_timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &m_write_timeout, sizeof(m_write_timeout));
  }

  bool is_readable() const override { return m_begin < m_end || Wait(POLLIN, m_read_timeout); }
  // As cpp-httplib's own stream: writable, and the client has not gone
  // (what a long answer, such as a stream of events, looks at between writes).
  bool is_writable() const override { return Wait(POLLOUT, m_write_timeout) && PeerStays(); }

  ssize_t read(char* ptr, size_t size) override {
    if (m_begin == m_end) {
      if (size >= kReadBuffer) return Receive(ptr, size);
      ssize_t n = Receive(m_buffer, kReadBuffer);
      if (n <= 0) return n;
      m_begin = 0;
      m_end = static_cast<size_t>(n);
    }
    size_t n = std::min(size, m_end - m_begin);
    std::memcpy(ptr, m_buffer + m_begin, n);
    m_begin += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (m_region && ptr >= m_region->bytes && ptr + size == m_region->bytes + m_region->length) {
      return SendFile(m_region->fd, m_region->offset + (ptr - m_region->bytes), size);
    }
    for (;;) {
      ssize_t n = ::send(m_fd, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(true, m_fd, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(false, m_fd, ip, port);
  }
  socket_t socket() const override { return m_fd; }

  bool buffered() const { return m_begin < m_end; }
  void Arm(const Region& region) { m_region = region; }
  void Disarm() { m_region.reset(); }
  void set_file_bytes(Metrics::Counter* counter) { m_file_bytes = counter; }

 private:
  bool Wait(short events, timeval timeout) const {
    pollfd p{m_fd, events, 0};
    int ms = static_cast<int>(timeout.tv_sec * 1000 + timeout.tv_usec / 1000);
    for (;;) {
      int n = ::poll(&p, 1, ms);
      if (n < 0 && errno == EINTR) continue;
      return n > 0 && (p.revents & (events | POLLHUP)) != 0 &&
             (p.revents & (POLLERR | POLLNVAL)) == 0;
    }
  }

  // For a socket, a zero timeout means none at all; for cpp-httplib, no wait.
  static timeval AtLeastOneMicrosecond(timeval t) {
    if (t.tv_sec == 0 && t.tv_usec == 0) t.tv_usec = 1;
    return t;
  }

  // False once the client closed its end: readable, with nothing to read.
  bool PeerStays() const {
    if (m_begin < m_end) return true;  // a request of its own is waiting
    pollfd p{m_fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) return true;
    char c = 0;
    ssize_t n = ::recv(m_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
  }

  ssize_t Receive(char* ptr, size_t size) {
    for (;;) {
      ssize_t n = ::recv(m_fd, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  // All of it, or -1: the file ended early (it was cut short after it was
  // read) or the connection failed. A file that sendfile cannot read is
  // sent by reading it.
  ssize_t SendFile(int fd, off_t offset, size_t size) {
    size_t left = size;
    while (left > 0) {
      ssize_t n = ::sendfile(m_fd, fd, &offset, left);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && left == size && (errno == EINVAL || errno == ENOSYS))
        return CopyFile(fd, offset, size);
      if (n <= 0) return -1;
      left -= static_cast<size_t>(n);
    }
    if (m_file_bytes != nullptr) m_file_bytes->Add(size);
    return static_cast<ssize_t>(size);
  }

  ssize_t CopyFile(int fd, off_t offset, size_t size) {
    bool copied = ReadFilePieces(fd, offset, size, [this](const char* data, size_t n) {
      for (size_t sent = 0; sent < n;) {
        ssize_t m = ::send(m_fd, data + sent, n - sent, MSG_NOSIGNAL);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) return false;
        sent += static_cast<size_t>(m);
      }
      return true;
    });
    return copied ? static_cast<ssize_t>(size) : -1;
  }

  int m_fd;
  timeval m_read_timeout, m_write_timeout;
  char m_buffer[kReadBuffer];
  size_t m_begin = 0, m_end = 0;
  std::optional<Region> m_region;
  Metrics::Counter* m_file_bytes = nullptr;
};

// The stream of the connection this worker thread is serving, if any.
thread_local ConnectionStream* t_stream = nullptr;

}  // namespace

bool ZeroCopyServer::process_and_close_socket(socket_t sock) {
  ConnectionStream stream(sock, TimeVal(read_timeout_sec_, read_timeout_usec_),
                          TimeVal(write_timeout_sec_, write_timeout_usec_));
  stream.set_file_bytes(m_file_bytes);
  t_stream = &stream;
  // The next request is due within the keep-alive timeout; a stopping
  // server is noticed between checks.
  auto request_comes = [&] {
    if (svr_sock_ == INVALID_SOCKET) return false;
    if (stream.buffered()) return true;
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(keep_alive_timeout_sec_);
    pollfd p{sock, POLLIN, 0};
    while (svr_sock_ != INVALID_SOCKET) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() < 0) return false;
      int n = ::poll(&p, 1, static_cast<int>(std::min(left, kStopCheck).count()));
      if (n < 0 && errno != EINTR) return false;
      if (n > 0) return true;  // a request, or the client closed: either ends the wait
    }
    return false;
  };
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0 && request_comes(); --left) {
    bool closed = false;
    ok = process_request(stream, /*close_connection=*/left == 1, closed, nullptr);
    if (!ok || closed) break;
  }
  t_stream = nullptr;
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

bool SendFileRegion(httplib::DataSink& sink, const OpenFile& file, off_t offset, size_t length,
                    const char* bytes) {
  ConnectionStream* stream = t_stream;
  // The stream knows the region by its address range: without the bytes
  // in memory, a range nobody may touch stands for them.
  const char* range = bytes != nullptr ? bytes : Untouchable(length);
  if (stream != nullptr && range != nullptr) {
    stream->Arm({range, length, file.fd(), offset});
    bool ok = sink.write(range, length);
    stream->Disarm();
    return ok;
  }
  if (bytes != nullptr) return sink.write(bytes, length);
  return ReadFilePieces(file.fd(), offset, length,
                        [&sink](const char* data, size_t n) { return sink.write(data, n); });
}

}  // namespace tollstream
