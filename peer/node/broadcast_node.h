// The broadcasting node: sells the segments of a stream, read from an
// encoder's HLS folder or from a file it encodes itself (ffmpeg, in real
// time), to viewers who pay with signed receipts. It announces the stream
// at the tracker and renews the announcement, serves the viewers' API, a
// status page and /metrics, closes the contracts of quiet viewers, and
// when told to stop withdraws the stream, closes every contract with its
// last receipt and pays its income out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/cli/host_port.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/encoder.h"
#include "peer/broadcast/ladder.h"
#include "peer/node/stop_flag.h"

namespace tollstream {

struct BroadcastOptions {
  std::string tracker_url;
  std::string stream;
  HostPort listen;
  uint64_t price = 0;
  std::string hls_dir;  // an encoder's output, or
  std::string source;   // a file to encode, or
  std::string ingest;   // srt://HOST:PORT?passphrase=KEY to listen at (exactly one of the three)
  int64_t ingest_timeout_seconds = 300;  // no sender for this long ends the stream
  std::string playlist;                  // in hls_dir (default: its only .m3u8)
  int segment_seconds = 2;
  std::string state_dir;                     // open contracts and their last receipts
  std::optional<std::string> advertise_url;  // default: the bound address
  int64_t receipt_timeout_seconds = 15;
  int64_t ttl = 30;
  std::string title, description;  // for the tracker's directory
  // With --source or --ingest srt://: several renditions made by one
  // ffmpeg, priced (ladder.h); none: one quality at `price`.
  std::vector<RenditionSpec> renditions;
  // Their prices, with --renditions or a master playlist in --hls-dir
  // ("": in proportion to bitrate from `price`).
  std::string rendition_prices;
};

class BroadcastNode {
 public:
  BroadcastNode(KeyPair key, BroadcastOptions options);
  ~BroadcastNode();

  // Runs until `stop`, then settles. Returns the exit status: 0, or 1 when
  // the income could not be paid out. Errors: what kept it from starting
  // (the tracker, the state dir, the source, the listen address, the first
  // announcement).
  Result<int> Run(StopFlag& stop);

 private:
  struct Parts;
  Status Start(StopFlag& stop);
  // With RTMP ingest: the gate that checks the stream key, started, and
  // nginx's configuration in `dir`; sets `input`'s command.
  Status RtmpPackager(EncoderInput& input, const std::filesystem::path& dir);
  // With --ingest: says when the streamer is away, and ends the stream
  // once it was away for ingest_timeout_seconds.
  void WatchIngest();
  // Reads what arrived; says once when keyframes are too far apart for
  // the segment duration, and when the playlist does not parse (and again
  // once it does).
  void WatchKeyframes();
  // The status page's "ingest": where the stream comes from, whether it
  // arrives, from whom, its bitrate and keyframe interval, and restarts.
  json IngestStatus();
  // The status page's figures, published when they change.
  void PublishStatus();
  // The segments sold, from `playlist` (the only rendition's, or the top
  // one's), and the other renditions' in their folders of `hls_dir`, into
  // `config`.
  // A master playlist in --hls-dir: its variants, priced, become the
  // renditions; returns the top one's media playlist (else `playlist`).
  Result<std::filesystem::path> FollowMaster(const std::filesystem::path& playlist);
  void OfferRenditions(const std::filesystem::path& playlist, const std::filesystem::path& hls_dir,
                       BroadcasterConfig& config);

  KeyPair m_key;
  BroadcastOptions m_options;
  std::unique_ptr<Parts> m_parts;
};

}  // namespace tollstream
