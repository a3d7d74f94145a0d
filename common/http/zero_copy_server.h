// A cpp-httplib server that can send a response body straight from a file's
// pages in the kernel's cache (sendfile(2)) instead of copying it from
// memory into the socket.
//
// cpp-httplib gives a handler no access to its connection's socket. This
// server runs each connection itself, on a stream of its own, and otherwise
// keeps cpp-httplib's behaviour: the same request handling, keep-alive
// (at most keep_alive_max_count requests, keep_alive_timeout of quiet
// between them), read and write timeouts, and Stop() ending idle
// connections within a tenth of a second.
//
// A content provider running on this server's worker sends a region of a
// file with SendFileRegion. That function also works on any other
// cpp-httplib server: there it writes the same bytes from memory.
#pragma once

#include <httplib.h>
#include <sys/types.h>

#include <cstddef>

#include "common/base/files.h"
#include "common/observe/metrics.h"

namespace tollstream {

class ZeroCopyServer : public httplib::Server {
 public:
  // Counts the bytes sent with sendfile into `counter` (which outlives the
  // server). Call before the server starts.
  void CountFileBytes(Metrics::Counter* counter) { m_file_bytes = counter; }

 private:
  bool process_and_close_socket(socket_t sock) override;
  Metrics::Counter* m_file_bytes = nullptr;
};

// Writes `length` bytes of `file` from `offset` to `sink`: with sendfile
// when the connection is a ZeroCopyServer's, else from `bytes` when given
// (what was read from that region), else read from the file in pieces.
// Returns false when the connection failed or the file ended early, as
// DataSink::write does.
bool SendFileRegion(httplib::DataSink& sink, const OpenFile& file, off_t offset, size_t length,
                    const char* bytes);

}  // namespace tollstream
