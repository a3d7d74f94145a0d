#include "peer/broadcast/ladder.h"

#include <algorithm>
#include <charconv>

#include "common/base/amount.h"
#include "common/protocol/contract.h"
#include "common/wire/fields.h"

namespace tollstream {
namespace {

Error Invalid(const std::string& what) {
  return MakeError(ErrorCode::kInvalidField, "--renditions: " + what);
}

std::vector<std::string_view> Split(std::string_view text, char by) {
  std::vector<std::string_view> out;
  for (size_t start = 0;;) {
    size_t end = text.find(by, start);
    out.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

// A whole number of `text` alone; nullopt for anything else.
std::optional<uint64_t> Number(std::string_view text) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

// "6000k", "6M", "800000": bits per second.
std::optional<uint64_t> Bitrate(std::string_view text) {
  uint64_t unit = 1;
  if (!text.empty() && (text.back() == 'k' || text.back() == 'K')) unit = 1000;
  if (!text.empty() && text.back() == 'M') unit = 1000 * 1000;
  if (unit != 1) text.remove_suffix(1);
  auto n = Number(text);
  if (!n || *n == 0 || *n > 1000 * 1000 * 1000 / unit) return std::nullopt;
  return *n * unit;
}

}  // namespace

Result<std::vector<RenditionSpec>> RenditionsOfStream(const json& info) {
  std::vector<RenditionSpec> out;
  if (!info.is_object() || !info.contains("renditions")) return out;
  ObjectReader r(info, "stream");
  const json& list = r.Array("renditions", 1, kMaxRenditions);
  auto offers = r.ok() ? ParseRenditionOffers(list, "stream.renditions")
                       : Result<std::vector<RenditionOffer>>(r.Finish().error());
  if (!offers) {
    return MakeError(ErrorCode::kUpstream,
                     "the seller's renditions are malformed: " + offers.error().message);
  }
  for (RenditionOffer& offer : *offers) out.push_back({std::move(offer), ""});
  return out;
}

Result<std::vector<RenditionSpec>> ParseRenditions(std::string_view text) {
  std::vector<RenditionSpec> out;
  for (std::string_view item : Split(text, ',')) {
    std::vector<std::string_view> parts = Split(item, ':');
    std::string quoted = "'" + std::string(item) + "'";
    if (parts.size() < 2 || parts.size() > 3)
      return Invalid(quoted + " is not NAME:BITRATE[:HEIGHT]");
    RenditionSpec r;
    r.name = std::string(parts[0]);
    if (!IsValidName(r.name)) {
      return Invalid(quoted + ": a name is 1 to 64 letters, digits, '.', '_' or '-'");
    }
    auto bitrate = Bitrate(parts[1]);
    if (!bitrate) return Invalid(quoted + ": the bitrate is a number of bits/s, with k or M");
    r.bitrate = *bitrate;
    std::string_view height = parts.size() == 3 ? parts[2] : std::string_view(r.name);
    if (parts.size() == 2 && height.ends_with('p')) height.remove_suffix(1);
    auto h = Number(height);
    if (!h) return Invalid(quoted + ": give the height (NAME:BITRATE:HEIGHT)");
    if (*h < 16 || *h > 4320 || *h % 2 != 0) {
      return Invalid(quoted + ": the height is an even number of pixels from 16 to 4320");
    }
    r.height = static_cast<int>(*h);
    for (const RenditionSpec& before : out) {
      if (before.name == r.name) return Invalid(quoted + ": " + r.name + " is named twice");
    }
    if (!out.empty() && r.bitrate >= out.back().bitrate) {
      return Invalid("name the renditions from the highest bitrate down");
    }
    out.push_back(std::move(r));
  }
  if (out.size() > kMaxRenditions) {
    return Invalid("at most " + std::to_string(kMaxRenditions) + " renditions");
  }
  return out;
}

Status PriceRenditions(std::vector<RenditionSpec>& renditions, uint64_t top_price,
                       std::string_view prices) {
  if (prices.empty()) {
    uint64_t top = renditions.empty() ? 1 : renditions.front().bitrate;
    for (RenditionSpec& r : renditions) {
      // top_price <= 2^53-1 and bitrate <= 10^9: the product fits in 128 bits.
      auto scaled = static_cast<unsigned __int128>(top_price) * r.bitrate;
      uint64_t price = static_cast<uint64_t>((scaled + top / 2) / top);
      r.price = top_price > 0 && price == 0 ? 1 : price;
    }
    return Status::Ok();
  }
  std::vector<std::string_view> listed = Split(prices, ',');
  if (listed.size() != renditions.size()) {
    return MakeError(ErrorCode::kInvalidField,
                     "--rendition-prices: give one price for each of the " +
                         std::to_string(renditions.size()) + " renditions");
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    auto price = Number(listed[i]);
    if (!price || *price > kMaxAmount) {
      return MakeError(ErrorCode::kInvalidField, "--rendition-prices: '" + std::string(listed[i]) +
                                                     "' is not a whole number of tokens");
    }
    renditions[i].price = *price;
  }
  uint64_t top = 0;
  for (const RenditionSpec& r : renditions) top = std::max(top, r.price);
  if (top != top_price) {
    return MakeError(ErrorCode::kInvalidField, "--rendition-prices: the highest must be --price, " +
                                                   std::to_string(top_price) + " (it is " +
                                                   std::to_string(top) + ")");
  }
  return Status::Ok();
}

Result<std::vector<RenditionSpec>> RenditionsOfMaster(std::vector<HlsVariant> variants) {
  std::stable_sort(variants.begin(), variants.end(), [](const HlsVariant& a, const HlsVariant& b) {
    return a.bandwidth > b.bandwidth;
  });
  if (variants.size() > kMaxRenditions) {
    return MakeError(ErrorCode::kInvalidField, "the master playlist lists more than " +
                                                   std::to_string(kMaxRenditions) + " variants");
  }
  std::vector<RenditionSpec> out;
  for (const HlsVariant& v : variants) {
    if (v.height < 16 || v.height > 4320) {
      return MakeError(ErrorCode::kInvalidField,
                       "the master playlist's variant " + v.uri +
                           " needs a RESOLUTION, its height from 16 to 4320");
    }
    RenditionSpec r;
    r.name = IsValidName(v.name) ? v.name : std::to_string(v.height) + "p";
    r.height = v.height;
    r.bitrate = v.bandwidth;
    r.playlist = v.uri;
    for (const RenditionSpec& before : out) {
      if (before.name == r.name) {
        return MakeError(ErrorCode::kInvalidField,
                         "the master playlist has two variants named " + r.name +
                             ": give each a NAME=\"…\" or another height");
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<RenditionSpec>> PricedRenditions(std::string_view named, uint64_t top_price,
                                                    std::string_view prices) {
  auto ladder = ParseRenditions(named);
  if (!ladder) return ladder;
  if (Status priced = PriceRenditions(*ladder, top_price, prices); !priced) return priced.error();
  return ladder;
}

json RenditionsJson(const std::vector<RenditionSpec>& renditions) {
  json out;
  for (const RenditionSpec& r : renditions) out.push_back(r.ToJson());
  return out;
}

Result<std::vector<RenditionSpec>> PickRenditions(const std::vector<RenditionSpec>& sold,
                                                  std::string_view asked) {
  if (asked == "all") return sold;
  std::vector<std::string_view> names = Split(asked, ',');
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() ||
        std::find(names.begin(), names.begin() + i, names[i]) != names.begin() + i) {
      return MakeError(ErrorCode::kInvalidField,
                       "renditions: '" + std::string(asked) + "' names none, or one twice");
    }
    if (std::none_of(sold.begin(), sold.end(),
                     [&](const RenditionSpec& r) { return r.name == names[i]; })) {
      return MakeError(ErrorCode::kNotFound, "no rendition " + std::string(names[i]) + " is sold");
    }
  }
  std::vector<RenditionSpec> out;
  for (const RenditionSpec& r : sold) {
    if (std::find(names.begin(), names.end(), r.name) != names.end()) out.push_back(r);
  }
  return out;
}

std::vector<std::string> H264Arguments(int segment_seconds) {
  return {"-c:v",
          "libx264",
          "-preset",
          "veryfast",
          "-pix_fmt",
          "yuv420p",
          "-force_key_frames",
          "expr:gte(t,n_forced*" + std::to_string(segment_seconds) + ")",
          "-sc_threshold",
          "0",
          "-c:a",
          "aac"};
}

std::vector<std::string> HlsArguments(const std::filesystem::path& dir, int segment_seconds,
                                      const std::string& hls_flags) {
  return {"-f",
          "hls",
          "-hls_time",
          std::to_string(segment_seconds),
          "-hls_list_size",
          "0",
          "-hls_flags",
          hls_flags,
          "-hls_segment_filename",
          (dir / "seg%05d.ts").string(),
          (dir / "index.m3u8").string()};
}

std::vector<std::string> LadderArguments(const std::vector<RenditionSpec>& renditions,
                                         const std::filesystem::path& dir, int segment_seconds,
                                         const std::string& hls_flags) {
  std::string graph = "[0:v:0]split=" + std::to_string(renditions.size());
  for (size_t i = 0; i < renditions.size(); ++i) graph += "[s" + std::to_string(i) + "]";
  for (size_t i = 0; i < renditions.size(); ++i) {
    std::string n = std::to_string(i);
    graph += ";[s" + n + "]scale=-2:" + std::to_string(renditions[i].height) + "[v" + n + "]";
  }
  std::vector<std::string> args = {"-filter_complex", graph};
  for (size_t i = 0; i < renditions.size(); ++i) {
    const RenditionSpec& r = renditions[i];
    std::string rate = std::to_string(r.bitrate);
    std::vector<std::string> output = {"-map",     "[v" + std::to_string(i) + "]",
                                       "-map",     "0:a:0?",
                                       "-b:v",     rate,
                                       "-maxrate", rate,
                                       "-bufsize", std::to_string(2 * r.bitrate)};
    std::vector<std::string> codecs = H264Arguments(segment_seconds);
    std::vector<std::string> hls = HlsArguments(dir / r.name, segment_seconds, hls_flags);
    for (const auto* part : {&output, &codecs, &hls})
      args.insert(args.end(), part->begin(), part->end());
  }
  return args;
}

}  // namespace tollstream
