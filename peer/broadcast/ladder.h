// A stream's renditions as its origin offers them: several qualities of one
// picture, each with its own price per segment, made by one ffmpeg from one
// input so that their segments share boundaries and sequence numbers
// (keyframes forced at the same times in every output).
//
// Named on the command line as `--renditions NAME:BITRATE[:HEIGHT],…`,
// e.g. `1080p:6000k,720p:3000k,360p:800k`: the video bitrate in bits per
// second (k and M multiply by 10^3 and 10^6), the picture's height (the
// number in a name such as 720p when not given; the width keeps the
// source's aspect ratio). Prices are one per rendition (`--rendition-prices
// 6,3,1`), or, by default, proportional to bitrate from `--price` for the
// highest bitrate, rounded to the nearest token and at least 1 when
// `--price` is.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/media/hls_master.h"
#include "common/protocol/rendition_offer.h"
#include "common/wire/json.h"

namespace tollstream {

// A rendition as the origin makes and offers it (its ToJson: how its
// `stream` answer and its announcement describe it).
struct RenditionSpec : RenditionOffer {
  // From a master playlist: its variant's media playlist, relative to the
  // master's directory ("": NAME/index.m3u8, as the node's ffmpeg writes).
  std::string playlist;
};

// The renditions a seller's `stream` answer lists ("renditions", as
// ToJson writes them; none when it sells one quality). Errors: kUpstream,
// saying what is malformed.
Result<std::vector<RenditionSpec>> RenditionsOfStream(const json& info);

// The renditions as a `stream` answer and an announcement list them (null
// for none: one quality).
json RenditionsJson(const std::vector<RenditionSpec>& renditions);

// Parses `text` (the form above), the renditions named from the highest
// bitrate down. Errors: kInvalidField, saying which part is wrong (also a
// name twice, more than kMaxRenditions, an odd or unknown height, bitrates
// not going down).
Result<std::vector<RenditionSpec>> ParseRenditions(std::string_view text);

// Sets each rendition's price: from `prices` (comma-separated, one per
// rendition in their order), or proportional to bitrate from `top_price`
// when `prices` is empty. Errors: kInvalidField (not one whole number per
// rendition, one above 2^53-1, or the highest other than `top_price`).
Status PriceRenditions(std::vector<RenditionSpec>& renditions, uint64_t top_price,
                       std::string_view prices);

// The renditions of an encoder's master playlist, the highest bandwidth
// first: named by their NAME, else by height ("720p"), bitrate their
// BANDWIDTH. Errors: kInvalidField (a variant without RESOLUTION, or with
// a height out of 16 to 4320; two of one name; more than kMaxRenditions).
Result<std::vector<RenditionSpec>> RenditionsOfMaster(std::vector<HlsVariant> variants);

// Of the renditions `sold`, those `asked`: "all", or names separated by
// commas; in the order sold. Errors: kNotFound (a name not sold),
// kInvalidField (none named, or one twice).
Result<std::vector<RenditionSpec>> PickRenditions(const std::vector<RenditionSpec>& sold,
                                                  std::string_view asked);

// ParseRenditions of `named`, then PriceRenditions.
Result<std::vector<RenditionSpec>> PricedRenditions(std::string_view named, uint64_t top_price,
                                                    std::string_view prices);

// ffmpeg's output arguments for H.264 (x264, keyframes forced every
// `segment_seconds`) and AAC.
std::vector<std::string> H264Arguments(int segment_seconds);
// ffmpeg's arguments for an HLS output into `dir`/index.m3u8, segments
// seg%05d.ts of `segment_seconds`, with -hls_flags `hls_flags`.
std::vector<std::string> HlsArguments(const std::filesystem::path& dir, int segment_seconds,
                                      const std::string& hls_flags);

// ffmpeg's arguments after its input's: one filter graph that scales the
// first video stream to each rendition's height, and one HLS output per
// rendition into `dir`/NAME/index.m3u8 (segments seg%05d.ts), H.264 at its
// bitrate and AAC from the first audio stream if there is one.
// `hls_flags`: ffmpeg's -hls_flags for every output.
std::vector<std::string> LadderArguments(const std::vector<RenditionSpec>& renditions,
                                         const std::filesystem::path& dir, int segment_seconds,
                                         const std::string& hls_flags);

}  // namespace tollstream
