#include "peer/watch/no_seller.h"

#include <algorithm>
#include <cstdint>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

// The edit distance between `a` and `b`, or `bound` + 1 once it exceeds `bound`.
size_t Distance(const std::string& a, const std::string& b, size_t bound) {
  if (a.size() > b.size() + bound || b.size() > a.size() + bound) return bound + 1;
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return std::min(row[b.size()], bound + 1);
}

}  // namespace

std::vector<std::string> CloseNames(const std::string& wanted,
                                    const std::vector<std::string>& live) {
  std::string w = AsciiLower(wanted);
  std::vector<std::string> out;
  for (const auto& name : live) {
    std::string n = AsciiLower(name);
    bool close = n == w || (!w.empty() && n.find(w) != std::string::npos) ||
                 (!n.empty() && w.find(n) != std::string::npos) || Distance(n, w, 2) <= 2;
    if (close && name != wanted && std::find(out.begin(), out.end(), name) == out.end()) {
      out.push_back(name);
    }
  }
  return out;
}

Error NoSellerError(const std::string& stream, const std::optional<PublicKey>& origin,
                    uint64_t budget, std::optional<uint64_t> max_price,
                    const std::vector<Listing>& listed, const std::vector<StreamEntry>& live) {
  if (!listed.empty()) {
    uint64_t cheapest = UINT64_MAX;  // of every rendition
    for (const auto& l : listed) {
      cheapest = std::min(cheapest, l.price);
      for (const auto& r : l.renditions) cheapest = std::min(cheapest, r.price);
    }
    if (max_price && cheapest > *max_price) {
      return MakeError(ErrorCode::kInsufficientFunds,
                       "\"" + stream + "\" sells at " + std::to_string(cheapest) +
                           " a segment at the cheapest: more than --max-price " +
                           std::to_string(*max_price));
    }
    // What a contract of the cheapest seller would cost: its dearest
    // segment within --max-price.
    cheapest = UINT64_MAX;
    for (const auto& l : listed) {
      cheapest =
          std::min(cheapest, l.DearestWithin(max_price.value_or(UINT64_MAX)).value_or(UINT64_MAX));
    }
    return MakeError(ErrorCode::kInsufficientFunds,
                     "\"" + stream + "\" sells at " + std::to_string(cheapest) +
                         " a segment at the cheapest; a contract takes " +
                         std::to_string(2 * cheapest) +
                         " to open with its first segment (an opening charge of one segment's "
                         "price, and the segment): more than --budget " +
                         std::to_string(budget));
  }
  std::string message;
  if (origin) {
    message = "no seller of \"" + stream + "\" by origin code " + KeyCode(*origin) + " is live";
    std::string others;
    for (const auto& e : live) {
      if (e.stream == stream) others += " code " + KeyCode(e.origin);
    }
    if (!others.empty()) message += "; other origins sell that name:" + others;
    return MakeError(ErrorCode::kNotFound, message);
  }
  message = "no stream named \"" + stream + "\" is live at this tracker";
  std::vector<std::string> names;
  for (const auto& e : live) names.push_back(e.stream);
  std::vector<std::string> close = CloseNames(stream, names);
  if (!close.empty()) {
    message += "; did you mean";
    for (size_t i = 0; i < close.size() && i < 5; ++i) {
      message += (i == 0 ? " \"" : ", \"") + close[i] + "\"";
    }
    message += "?";
  } else if (live.empty()) {
    message += "; none is";
  }
  message += " (`peer streams --tracker URL` lists what is live)";
  return MakeError(ErrorCode::kNotFound, message);
}

}  // namespace tollstream
