// Before a broadcasting node announces a stream, its first segment must
// exist: nothing is sold before it exists. Waits until the HLS folder holds
// a media playlist (the one named, else whichever .m3u8 appears: a node may
// start before its encoder) that lists a segment, or a master playlist whose
// top variant's media playlist does (its renditions are sold: ladder.h).
// Refused at once, with a clear message: a master playlist whose variants
// cannot be sold (no RESOLUTION, two of one name), fMP4/CMAF segments
// (#EXT-X-MAP: not sold; MPEG-TS is), several playlists with none named,
// and, with an encoder of its own,
// an encoder that ended before writing a segment (its last words said),
// also one that listens for a sender (--ingest: its port taken, its module
// missing); a sender who leaves before the first segment is waited for
// again. `secret` (a stream key in a playlist's name) is shown as ***.
// A playlist that does not parse is reported in the log, and refused if it
// still does not parse after a few seconds (an encoder may be mid-write).
#pragma once

#include <filesystem>
#include <string>

#include "common/base/result.h"
#include "peer/broadcast/encoder.h"
#include "peer/node/stop_flag.h"

namespace tollstream {

// The playlist's path. `encoder`: the node's own ffmpeg, or null. Errors:
// the refusals above; kUnavailable when `stop` is set meanwhile.
Result<std::filesystem::path> WaitForFirstSegment(const std::filesystem::path& dir,
                                                  const std::string& name, Encoder* encoder,
                                                  StopFlag& stop, const std::string& secret = "");

}  // namespace tollstream
