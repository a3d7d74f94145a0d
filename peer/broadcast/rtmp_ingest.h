// RTMP ingest, `--ingest rtmp://HOST:PORT/APP/KEY`, the way OBS sends by
// default (Server rtmp://HOST:PORT/APP, Stream Key KEY). nginx's RTMP module
// (Debian's libnginx-mod-rtmp) listens and packages what arrives into HLS
// as it is (copied, cut at the sender's keyframes; numbers go on and
// #EXT-X-DISCONTINUITY marks a streamer who comes back). Before it accepts a
// publisher it asks the node (on_publish) on a loopback port of the node's
// own, the PublishGate, which accepts only the stream key KEY: ffmpeg's own
// RTMP listener takes any key, so it is not used.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/base/result.h"
#include "common/http/http_server.h"

namespace tollstream {

struct RtmpTarget {
  std::string host;  // where nginx listens
  int port = 0;
  std::string app;  // the application, as in OBS's server URL
  std::string key;  // the stream key

  // The playlist nginx writes, relative to its HLS directory: KEY.m3u8.
  std::string playlist() const { return key + ".m3u8"; }
};

// Errors: kInvalidField saying what is wrong with `url` (no port, no
// application, a key of other than 8 to 128 letters, digits, '-' and '_').
Result<RtmpTarget> ParseRtmpIngest(const std::string& url);

// nginx's configuration: one process (no master: the node stops it), its
// log on stderr, its files in `dir`, HLS in `dir`/hls (segments of
// `segment_seconds`, or from one keyframe to the next when they are further
// apart), each publisher asked about at http://127.0.0.1:`gate_port`/publish.
std::string RtmpNginxConfig(const RtmpTarget& target, const std::filesystem::path& dir,
                            int gate_port, int segment_seconds);

// The on_publish endpoint: 200 for the stream key, 403 for any other (so
// nginx refuses that publisher). Says who connected, was refused, and left.
class PublishGate {
 public:
  explicit PublishGate(std::string key);
  ~PublishGate();  // stops serving
  PublishGate(const PublishGate&) = delete;
  PublishGate& operator=(const PublishGate&) = delete;

  // Serves on a free loopback port; returns it.
  Result<int> Start();
  // The address of the streamer connected now ("" when none).
  std::string sender() const;

 private:
  std::string m_key;
  HttpServer m_server;
  std::thread m_thread;
  mutable std::mutex m_mutex;
  std::string m_sender;
};

}  // namespace tollstream
