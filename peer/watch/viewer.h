// The receiving node's buying loop: finds a broadcaster of the stream at the
// tracker, deposits the budget into its spend address, opens a contract
// through the broadcaster (and sees the tracker's signed confirmation), then
// buys segment after segment, checking each against the broadcaster's
// signed statement and paying for it with a cumulative receipt. A segment
// that fails its check is not paid for, and the viewer stops buying from
// that node. At the end (stream ended, budget spent, stop asked) the
// contract is settled and the unspent deposit returns to the viewer's
// ordinary address.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/crypto/keys.h"
#include "common/result.h"
#include "peer/watch/local_hls.h"

namespace tollstream {

struct ViewerConfig {
  std::string tracker_url;
  std::string stream;
  uint64_t budget = 0;
  std::string out_path;              // also append every segment's bytes here, if set
  int64_t find_timeout_seconds = 60;  // how long to wait for a live broadcaster
  int64_t broadcaster_timeout_seconds = 30;  // no answer this long: give the node up
  // One line per event (the CLI prints them on stdout).
  std::function<void(const std::string&)> on_event;
};

struct ViewerOutcome {
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t spent = 0;
  uint64_t returned = 0;       // deposit returned to the ordinary address
  uint64_t balance = 0;        // the ordinary address's balance at the end
  bool stream_ended = false;
  std::string stopped_because;
};

class Viewer {
 public:
  Viewer(KeyPair key, ViewerConfig config, LocalHls& local);
  // Buys until the stream ends, the budget is spent, `stop` is set, or the
  // broadcaster misbehaves; then settles. Errors: the tracker or the stream
  // could not be reached at all.
  Result<ViewerOutcome> Run(const std::atomic<bool>& stop);

 private:
  Result<ViewerOutcome> Buy(const std::atomic<bool>& stop);
  void Event(const std::string& line);

  KeyPair m_key;
  ViewerConfig m_config;
  LocalHls& m_local;
};

}  // namespace tollstream
