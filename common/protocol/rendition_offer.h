// How a seller describes a rendition it sells, in its `stream` answer and in
// its announcement at the tracker:
//
//   { "name": name, "height": pixels (16 … 4320), "bitrate": video bits/s,
//     "price": tokens per segment }
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/wire/json.h"

namespace tollstream {

struct RenditionOffer {
  std::string name;
  int height = 0;
  uint64_t bitrate = 0;
  uint64_t price = 0;

  json ToJson() const;
};

// The offers of `list` (a JSON array; its length is the caller's to
// bound), names distinct. Errors: kInvalidField naming `path`[i].
Result<std::vector<RenditionOffer>> ParseRenditionOffers(const json& list, const std::string& path);

}  // namespace tollstream
