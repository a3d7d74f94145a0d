// Writes an HTTP response to a connection's socket (non-blocking; each
// write waits for room until the write deadline): the status line and
// headers, then the body from memory, from a provider, or from a file's
// pages (sendfile). The header block goes out with the first body bytes.
#pragma once

#include <chrono>
#include <string>

#include "common/http/http_message.h"
#include "common/observe/metrics.h"

namespace tollstream {

class SocketSink final : public DataSink {
 public:
  using Clock = std::chrono::steady_clock;

  // `file_bytes`, when set, counts the bytes sent with sendfile.
  SocketSink(int fd, Clock::duration write_timeout, Metrics::Counter* file_bytes)
      : m_fd(fd), m_timeout(write_timeout), m_file_bytes(file_bytes) {}

  // Writes `res` (its status and headers already final) for a request of
  // `method`; `keep_alive` says what the Connection header says. False
  // when the connection failed or a provider gave up: the connection must
  // then be closed.
  bool WriteResponse(const std::string& method, HttpResponse& res, bool keep_alive);

  bool Write(const char* data, size_t size) override;
  bool SendFile(int fd, off_t offset, size_t length) override;
  void Done() override { m_done = true; }
  bool IsWritable() const override;

 private:
  bool WriteSized(HttpResponse& res);
  bool WriteChunked(HttpResponse& res);
  // Sends the pending header block and then `data`.
  bool SendAll(const char* data, size_t size);
  bool WaitWritable();

  int m_fd;
  Clock::duration m_timeout;
  Metrics::Counter* m_file_bytes;
  std::string m_pending;  // the header block, until the first body bytes
  size_t m_written = 0;   // body bytes written
  bool m_chunked = false;
  bool m_done = false;
  bool m_failed = false;
};

// "OK", "Not Found", ... for a status code.
const char* StatusReason(int status);

}  // namespace tollstream
