#include "common/media/hls_playlist.h"

#include <algorithm>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

constexpr size_t kMaxSegments = 1'000'000;
constexpr size_t kMaxUri = 1024;

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "6", "2.000", "1.96" -> milliseconds (rounded down to the millisecond).
bool ParseDurationMs(std::string_view s, int64_t& ms) {
  auto dot = s.find('.');
  std::string_view whole = s.substr(0, dot);
  int64_t seconds = 0;
  if (whole.empty() || !ParseWhole(whole, seconds) || seconds < 0 || seconds > 86400) return false;
  int64_t fraction = 0;
  if (dot != std::string_view::npos) {
    std::string_view digits = s.substr(dot + 1);
    if (digits.empty() || digits.size() > 9) return false;
    for (size_t i = 0; i < 3; ++i) {
      char c = i < digits.size() ? digits[i] : '0';
      if (c < '0' || c > '9') return false;
      fraction = fraction * 10 + (c - '0');
    }
    for (size_t i = 3; i < digits.size(); ++i) {
      if (digits[i] < '0' || digits[i] > '9') return false;
    }
  }
  ms = seconds * 1000 + fraction;
  return true;
}

std::string FormatDuration(int64_t ms) {
  std::string frac = std::to_string(ms % 1000);
  return std::to_string(ms / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

}  // namespace

Result<HlsPlaylist> ParseHlsPlaylist(std::string_view text) {
  HlsPlaylist out;
  size_t line_no = 0;
  bool header = false;
  bool pending_inf = false;
  bool pending_discontinuity = false;
  int64_t pending_ms = 0;
  auto bad = [&](std::string_view what) {
    return MakeError(ErrorCode::kInvalidField,
                     "playlist line " + std::to_string(line_no) + ": " + std::string(what));
  };
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = Trim(text.substr(0, nl), kLineBlanks);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (!header) {
      if (line != "#EXTM3U") return bad("a playlist starts with #EXTM3U");
      header = true;
      continue;
    }
    if (StartsWith(line, "#EXTINF:")) {
      std::string_view value = line.substr(8);
      value = value.substr(0, value.find(','));
      if (!ParseDurationMs(Trim(value, kLineBlanks), pending_ms))
        return bad("bad #EXTINF duration");
      pending_inf = true;
    } else if (StartsWith(line, "#EXT-X-TARGETDURATION:")) {
      if (!ParseWhole(line.substr(22), out.target_duration) || out.target_duration < 0) {
        return bad("bad #EXT-X-TARGETDURATION");
      }
    } else if (StartsWith(line, "#EXT-X-MEDIA-SEQUENCE:")) {
      if (!ParseWhole(line.substr(22), out.media_sequence) || !out.segments.empty()) {
        return bad("bad or late #EXT-X-MEDIA-SEQUENCE");
      }
    } else if (line == "#EXT-X-DISCONTINUITY") {
      pending_discontinuity = true;
    } else if (line == "#EXT-X-ENDLIST") {
      out.ended = true;
    } else if (StartsWith(line, "#EXT-X-STREAM-INF")) {
      return bad("a master playlist; give the media playlist of one variant");
    } else if (line[0] == '#') {
      continue;  // other tags and comments
    } else {
      if (!pending_inf) return bad("segment URI without #EXTINF");
      if (line.size() > kMaxUri) return bad("segment URI too long");
      if (out.segments.size() >= kMaxSegments) return bad("too many segments");
      out.segments.push_back(HlsSegment{out.media_sequence + out.segments.size(), pending_ms,
                                        std::string(line), pending_discontinuity});
      pending_inf = false;
      pending_discontinuity = false;
    }
  }
  if (!header) return bad("empty playlist");
  return out;
}

std::string HlsPlaylist::Serialize() const {
  int64_t target = target_duration;
  for (const auto& s : segments) target = std::max(target, (s.duration_ms + 999) / 1000);
  std::string out = "#EXTM3U\n#EXT-X-VERSION:3\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(target) + "\n";
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(media_sequence) + "\n";
  if (!ended) out += "#EXT-X-PLAYLIST-TYPE:EVENT\n";
  if (start_before_end_ms > 0) {
    out += "#EXT-X-START:TIME-OFFSET=-" + FormatDuration(start_before_end_ms) + "\n";
  }
  for (const auto& s : segments) {
    if (s.discontinuity) out += "#EXT-X-DISCONTINUITY\n";
    out += "#EXTINF:" + FormatDuration(s.duration_ms) + ",\n" + s.uri + "\n";
  }
  if (ended) out += "#EXT-X-ENDLIST\n";
  return out;
}

}  // namespace tollstream
