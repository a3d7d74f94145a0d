#include "common/media/hls_master.h"

#include "common/base/ascii.h"

namespace tollstream {
namespace {

// The value of attribute `key` in an attribute list, quotes removed; "" when absent.
std::string_view Attribute(std::string_view list, std::string_view key) {
  size_t at = 0;
  while (at < list.size()) {
    size_t eq = list.find('=', at);
    if (eq == std::string_view::npos) return {};
    std::string_view name = Trim(list.substr(at, eq - at), kLineBlanks);
    size_t end = eq + 1;
    if (end < list.size() && list[end] == '"') {
      end = list.find('"', end + 1);
      if (end == std::string_view::npos) return {};
      ++end;
    } else {
      end = std::min(list.find(',', end), list.size());
    }
    std::string_view value = list.substr(eq + 1, end - eq - 1);
    if (name == key) {
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
    at = end + 1;
  }
  return {};
}

}  // namespace

bool IsHlsMaster(std::string_view text) {
  return text.find("#EXT-X-STREAM-INF:") != std::string_view::npos;
}

Result<std::vector<HlsVariant>> ParseHlsMaster(std::string_view text) {
  std::vector<HlsVariant> out;
  size_t number = 0;
  bool pending = false;
  auto bad = [&](const std::string& what) {
    return MakeError(ErrorCode::kInvalidField,
                     "master playlist line " + std::to_string(number) + ": " + what);
  };
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = Trim(text.substr(start, end - start), kLineBlanks);
    start = end + 1;
    ++number;
    if (number == 1 && line != "#EXTM3U") return bad("not an HLS playlist (no #EXTM3U)");
    if (line.empty()) continue;
    if (line.starts_with("#EXT-X-STREAM-INF:")) {
      if (pending) return bad("the #EXT-X-STREAM-INF before has no URI after it");
      std::string_view list = line.substr(18);
      HlsVariant v;
      if (!ParseWhole(Attribute(list, "BANDWIDTH"), v.bandwidth) || v.bandwidth == 0 ||
          v.bandwidth > 10'000'000'000) {
        return bad("BANDWIDTH is missing, or not a whole number of bits/s up to 10^10");
      }
      std::string_view resolution = Attribute(list, "RESOLUTION");
      size_t x = resolution.find('x');
      if (!resolution.empty() &&
          (x == std::string_view::npos || !ParseWhole(resolution.substr(0, x), v.width) ||
           !ParseWhole(resolution.substr(x + 1), v.height))) {
        return bad("RESOLUTION is not WIDTHxHEIGHT");
      }
      v.name = std::string(Attribute(list, "NAME"));
      out.push_back(std::move(v));
      pending = true;
    } else if (line[0] != '#') {
      if (!pending) continue;  // a media playlist's segment, or a stray URI
      out.back().uri = std::string(line);
      pending = false;
    }
  }
  if (pending) return bad("the last #EXT-X-STREAM-INF has no URI after it");
  if (out.empty()) return bad("no #EXT-X-STREAM-INF: not a master playlist");
  return out;
}

}  // namespace tollstream
