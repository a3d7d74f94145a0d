// Why a viewer finds no seller it can buy from, said at once and precisely:
// no stream of that name is live (with the names it may have meant), no
// seller of the origin asked for, or a price the budget cannot pay.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/client/tracker_api.h"

namespace tollstream {

// The names among `live` that `wanted` may be a slip for: the same without
// regard to case, one containing the other, or at most two letters apart;
// each once, in the order of `live`.
std::vector<std::string> CloseNames(const std::string& wanted,
                                    const std::vector<std::string>& live);

// The error for a viewer of `stream` (of `origin`, when named) with
// `budget` and at most `max_price` a segment (when set), when `listed` (the
// tracker's sellers of the name, the viewer itself left out) holds none it
// can buy from. kNotFound (no seller; the directory `live` suggests close
// names), kInsufficientFunds (the price: above --max-price, or more than
// the budget pays).
Error NoSellerError(const std::string& stream, const std::optional<PublicKey>& origin,
                    uint64_t budget, std::optional<uint64_t> max_price,
                    const std::vector<Listing>& listed, const std::vector<StreamEntry>& live);

}  // namespace tollstream
