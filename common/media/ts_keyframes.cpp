#include "common/media/ts_keyframes.h"

namespace tollstream {
namespace {

constexpr size_t kPacket = 188;
constexpr int kNoPid = -1;

uint8_t At(std::string_view s, size_t i) {
  return static_cast<uint8_t>(s[i]);
}

// The section a PSI packet's payload starts (after its pointer field);
// empty unless the section lies whole in this packet.
std::string_view Section(std::string_view payload) {
  if (payload.empty()) return {};
  size_t start = 1 + At(payload, 0);
  if (start + 3 > payload.size()) return {};
  size_t length = ((At(payload, start + 1) & 0x0f) << 8) | At(payload, start + 2);
  if (start + 3 + length > payload.size() || length < 9) return {};
  return payload.substr(start, 3 + length);
}

// The PMT's PID from a PAT section: that of its first program.
int PmtPid(std::string_view pat) {
  size_t end = pat.size() - 4;  // the CRC
  for (size_t i = 8; i + 4 <= end; i += 4) {
    int program = (At(pat, i) << 8) | At(pat, i + 1);
    if (program != 0) return ((At(pat, i + 2) & 0x1f) << 8) | At(pat, i + 3);
  }
  return kNoPid;
}

// The video stream's PID from a PMT section.
int VideoPid(std::string_view pmt) {
  if (pmt.size() < 16) return kNoPid;
  size_t i = 12 + (((At(pmt, 10) & 0x0f) << 8) | At(pmt, 11));  // past program_info
  size_t end = pmt.size() - 4;
  for (; i + 5 <= end; i += 5 + (((At(pmt, i + 3) & 0x0f) << 8) | At(pmt, i + 4))) {
    uint8_t type = At(pmt, i);
    if (type == 0x1b || type == 0x24 || type == 0x02) {  // H.264, HEVC, MPEG-2 video
      return ((At(pmt, i + 1) & 0x1f) << 8) | At(pmt, i + 2);
    }
  }
  return kNoPid;
}

// The PTS of the PES packet that starts `payload`, if it has one.
std::optional<int64_t> PesPts(std::string_view p) {
  if (p.size() < 14 || At(p, 0) != 0 || At(p, 1) != 0 || At(p, 2) != 1) return std::nullopt;
  if ((At(p, 7) & 0x80) == 0) return std::nullopt;
  return (static_cast<int64_t>((At(p, 9) >> 1) & 0x07) << 30) |
         (static_cast<int64_t>(At(p, 10)) << 22) | (static_cast<int64_t>(At(p, 11) >> 1) << 15) |
         (static_cast<int64_t>(At(p, 12)) << 7) | (At(p, 13) >> 1);
}

}  // namespace

TsKeyframes ScanTsKeyframes(std::string_view ts) {
  TsKeyframes out;
  int pmt_pid = kNoPid;
  int video_pid = kNoPid;
  for (size_t at = 0; at + kPacket <= ts.size(); at += kPacket) {
    std::string_view packet = ts.substr(at, kPacket);
    if (At(packet, 0) != 0x47) continue;
    int pid = ((At(packet, 1) & 0x1f) << 8) | At(packet, 2);
    bool starts = At(packet, 1) & 0x40;
    int control = (At(packet, 3) >> 4) & 0x03;
    size_t payload = 4;
    bool random_access = false;
    if (control & 0x02) {
      size_t length = At(packet, 4);
      random_access = length > 0 && (At(packet, 5) & 0x40);
      payload = 5 + length;
    }
    if (!(control & 0x01) || payload >= kPacket || !starts) continue;
    std::string_view data = packet.substr(payload);
    if (pid == 0) {
      if (auto pat = Section(data); !pat.empty()) pmt_pid = PmtPid(pat);
    } else if (pid == pmt_pid) {
      if (auto pmt = Section(data); !pmt.empty()) video_pid = VideoPid(pmt);
      out.video = out.video || video_pid != kNoPid;
    } else if (pid == video_pid) {
      auto pts = PesPts(data);
      if (!pts) continue;
      if (!out.first_pts) out.first_pts = pts;
      out.last_pts = pts;
      if (random_access) out.keyframe_pts.push_back(*pts);
    }
  }
  return out;
}

}  // namespace tollstream
