// Which origin a viewer means by --origin: a public key (64 hex digits), or
// an origin's 6-digit code, or the first hex digits of its key (at least 6),
// matched against the origins that sell the stream now (the tracker's
// directory), so that a viewer may type what `peer streams` shows.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/client/tracker_api.h"
#include "common/crypto/keys.h"

namespace tollstream {

// Whether `spec` is a whole key (then no lookup is needed).
bool IsWholeKey(const std::string& spec);

// The one origin of `stream` among `live` that `spec` names. Errors:
// kInvalidField (not a key, code or prefix of 6 or more hex digits),
// kNotFound (none matches; the live origins of the name are listed),
// kConflict (several match; each is listed with its code).
Result<PublicKey> ChooseOrigin(const std::string& spec, const std::string& stream,
                               const std::vector<StreamEntry>& live);

}  // namespace tollstream
