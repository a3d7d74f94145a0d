// Where the keyframes are in an MPEG-TS segment (ISO/IEC 13818-1), the
// container of HLS segments: enough to tell a streamer what keyframe
// interval arrives, without decoding anything.
//
// The program map (PAT, then PMT) names the video stream (H.264, HEVC or
// MPEG-2 video); a PES packet of that stream that starts in a transport
// packet whose adaptation field sets random_access_indicator is a keyframe
// (ffmpeg's and nginx-rtmp's muxers both set it on every keyframe, and only
// there). Its PTS is kept, in 90 kHz ticks.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tollstream {

struct TsKeyframes {
  bool video = false;                 // a video stream was found in the program map
  std::vector<int64_t> keyframe_pts;  // in the order met
  // The PTS of the video stream's first and last PES packets with one, in
  // the order met (decode order: with B-frames, not the smallest and largest).
  std::optional<int64_t> first_pts;
  std::optional<int64_t> last_pts;
};

// Scans `ts` (whole 188-byte packets; a truncated last packet is ignored,
// and so are packets without the sync byte). Never fails: what it cannot
// read it skips.
TsKeyframes ScanTsKeyframes(std::string_view ts);

}  // namespace tollstream
