// The settings of a cpp-httplib server that serves signed requests: its
// worker threads, Nagle off (answers are small and awaited), the largest
// body it reads, and how long it waits for a slow or quiet client.
//
// Limits: a body over max_body_bytes gets 413; a client that does not
// finish its request within read_timeout is dropped; an idle keep-alive
// connection is closed after keep_alive_timeout, and after
// keep_alive_max_count requests.
#pragma once

#include <cstddef>

namespace httplib {
class Server;
}

namespace tollstream {

struct ServerTuning {
  size_t threads = 64;
  size_t max_body_bytes = 64 * 1024;
  int read_timeout_seconds = 5;
  int write_timeout_seconds = 5;
  int keep_alive_timeout_seconds = 5;
  size_t keep_alive_max_count = 5;
};

// Applies `tuning` to `server`. Call before it serves.
void Tune(httplib::Server& server, const ServerTuning& tuning);

}  // namespace tollstream
