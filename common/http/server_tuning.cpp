#include "common/http/server_tuning.h"

#include <httplib.h>

namespace tollstream {

void Tune(httplib::Server& server, const ServerTuning& tuning) {
  size_t threads = tuning.threads;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(tuning.max_body_bytes);
  server.set_read_timeout(tuning.read_timeout_seconds, 0);
  server.set_write_timeout(tuning.write_timeout_seconds, 0);
  server.set_keep_alive_timeout(tuning.keep_alive_timeout_seconds);
  server.set_keep_alive_max_count(tuning.keep_alive_max_count);
}

}  // namespace tollstream
