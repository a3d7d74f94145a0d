#include "common/http/socket_sink.h"

#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cerrno>
#include <cstdio>

namespace tollstream {

const char* StatusReason(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

bool SocketSink::WriteResponse(const std::string& method, HttpResponse& res, bool keep_alive) {
  m_pending = "HTTP/1.1 " + std::to_string(res.status) + " " + StatusReason(res.status) + "\r\n";
  for (const auto& [name, value] : res.headers.fields()) {
    if (SameName(name, "Content-Length") || SameName(name, "Connection") ||
        SameName(name, "Transfer-Encoding")) {
      continue;
    }
    m_pending += name + ": " + value + "\r\n";
  }
  m_pending += keep_alive ? "Connection: keep-alive\r\n" : "Connection: close\r\n";
  bool head = method == "HEAD";
  if (res.chunked) {
    m_pending += "Transfer-Encoding: chunked\r\n\r\n";
    if (head) return SendAll(nullptr, 0);
    return WriteChunked(res);
  }
  size_t size = res.provider ? res.provider_size : res.body.size();
  m_pending += "Content-Length: " + std::to_string(size) + "\r\n\r\n";
  if (head) return SendAll(nullptr, 0);
  if (res.provider) return WriteSized(res);
  return SendAll(res.body.data(), res.body.size());
}

bool SocketSink::WriteSized(HttpResponse& res) {
  size_t size = res.provider_size;
  // The provider's writes are counted here; it may write less than asked
  // per call, and is called again from where it stopped.
  size_t before = 0;
  m_written = 0;
  while (m_written < size) {
    before = m_written;
    if (!res.provider(m_written, size - m_written, *this) || m_failed) return false;
    if (m_written == before) return false;  // wrote nothing: it cannot go on
  }
  return m_pending.empty() || SendAll(nullptr, 0);
}

bool SocketSink::WriteChunked(HttpResponse& res) {
  m_chunked = true;
  size_t offset = 0;
  while (!m_done) {
    size_t before = m_written;
    if (!res.chunked(offset, *this) || m_failed) return false;
    offset += m_written - before;
  }
  m_chunked = false;
  static constexpr char kLast[] = "0\r\n\r\n";
  return SendAll(kLast, sizeof kLast - 1);
}

bool SocketSink::Write(const char* data, size_t size) {
  if (m_failed) return false;
  m_written += size;
  if (!m_chunked) return SendAll(data, size);
  if (size == 0) return true;
  char head[24];
  int n = std::snprintf(head, sizeof head, "%zx\r\n", size);
  std::string framed;
  framed.reserve(n + size + 2);
  framed.append(head, static_cast<size_t>(n)).append(data, size).append("\r\n");
  return SendAll(framed.data(), framed.size());
}

bool SocketSink::SendFile(int fd, off_t offset, size_t length) {
  if (m_failed) return false;
  if (m_chunked) return false;  // a chunked body is written, not sent from files
  if (!m_pending.empty() && !SendAll(nullptr, 0)) return false;
  while (length > 0) {
    ssize_t n = ::sendfile(m_fd, fd, &offset, length);
    if (n > 0) {
      length -= static_cast<size_t>(n);
      m_written += static_cast<size_t>(n);
      if (m_file_bytes) m_file_bytes->Add(static_cast<uint64_t>(n));
      continue;
    }
    if (n == 0) return m_failed = true, false;  // the file ended early
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !WaitWritable()) return m_failed = true, false;
  }
  return true;
}

bool SocketSink::SendAll(const char* data, size_t size) {
  size_t head = m_pending.size(), sent = 0;
  while (sent < head + size) {
    iovec iov[2];
    int count = 0;
    if (sent < head) iov[count++] = {m_pending.data() + sent, head - sent};
    size_t body_from = sent > head ? sent - head : 0;
    if (size > body_from) iov[count++] = {const_cast<char*>(data) + body_from, size - body_from};
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    ssize_t n = ::sendmsg(m_fd, &msg, MSG_NOSIGNAL);
    if (n >= 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !WaitWritable()) return m_failed = true, false;
  }
  m_pending.clear();
  return true;
}

bool SocketSink::WaitWritable() {
  pollfd p{m_fd, POLLOUT, 0};
  int ms =
      static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(m_timeout).count());
  while (true) {
    int r = ::poll(&p, 1, ms);
    if (r < 0 && errno == EINTR) continue;
    return r > 0 && (p.revents & POLLOUT) && !(p.revents & (POLLERR | POLLHUP));
  }
}

bool SocketSink::IsWritable() const {
  if (m_failed) return false;
  pollfd p{m_fd, POLLOUT | POLLRDHUP, 0};
  if (::poll(&p, 1, 0) < 0) return false;
  return !(p.revents & (POLLERR | POLLHUP | POLLRDHUP));
}

}  // namespace tollstream
