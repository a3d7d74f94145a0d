#include "peer/watch/origin_choice.h"

#include <algorithm>

#include "common/base/ascii.h"
#include "common/base/hex.h"

namespace tollstream {
namespace {

constexpr size_t kShortest = 6;

std::string Listed(const std::vector<PublicKey>& origins) {
  std::string out;
  for (const auto& o : origins) out += " " + o.ToHex() + " code " + KeyCode(o);
  return out;
}

}  // namespace

bool IsWholeKey(const std::string& spec) {
  return PublicKey::FromHex(spec).has_value();
}

Result<PublicKey> ChooseOrigin(const std::string& spec, const std::string& stream,
                               const std::vector<StreamEntry>& live) {
  if (auto key = PublicKey::FromHex(spec)) return *key;
  std::string wanted = AsciiLower(spec);
  if (wanted.size() < kShortest || wanted.size() > 64 || !IsLowerHex(wanted, wanted.size())) {
    return MakeError(ErrorCode::kInvalidField,
                     "--origin: a public key (64 hex digits), an origin's 6-digit code, or the "
                     "first 6 or more hex digits of its key");
  }
  std::vector<PublicKey> origins, matched;
  for (const auto& e : live) {
    if (e.stream != stream) continue;
    if (std::find(origins.begin(), origins.end(), e.origin) != origins.end()) continue;
    origins.push_back(e.origin);
    if (KeyCode(e.origin) == wanted || e.origin.ToHex().compare(0, wanted.size(), wanted) == 0) {
      matched.push_back(e.origin);
    }
  }
  if (matched.size() == 1) return matched.front();
  if (matched.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "--origin " + spec + ": no live origin of \"" + stream + "\" has that code " +
                         "or key" + (origins.empty() ? "" : "; its origins:" + Listed(origins)));
  }
  return MakeError(ErrorCode::kConflict, "--origin " + spec + " names several origins of \"" +
                                             stream + "\":" + Listed(matched) +
                                             "; give more of the key");
}

}  // namespace tollstream
