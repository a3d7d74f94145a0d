// Ingest: a broadcasting node that streamers push to, the way OBS sends
// (Settings → Stream → Custom). `--ingest srt://HOST:PORT?passphrase=KEY`:
// the node's ffmpeg listens for SRT, and SRT's own encryption handshake
// refuses a sender without the key (ffmpeg's listener checks no streamid,
// so the key is the passphrase: 10 to 79 characters). What arrives is
// copied into HLS segments without re-encoding: H.264/AAC as sent, cut at
// the sender's keyframes (a keyframe interval of 2 s gives 2 s segments).
// RTMP is ingested by nginx instead (peer/broadcast/rtmp_ingest.h): ffmpeg's
// RTMP listener accepts any stream key.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

// ffmpeg's input arguments for `url`. Errors: kInvalidField saying what is
// wrong with it (another scheme, no port, no passphrase or a bad one).
// `key`, when given, is set to the passphrase (never to be logged).
Result<std::vector<std::string>> IngestInput(const std::string& url, std::string* key = nullptr);

}  // namespace tollstream
