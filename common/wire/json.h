// Strict JSON for signed messages.
//
// ParseStrict accepts RFC 8259 JSON and additionally refuses duplicate object
// keys and nesting deeper than a limit, so that one text has one meaning.
// Canonical serializes the subset the protocol uses (objects, arrays,
// strings, integers, booleans, null) as RFC 8785 (JCS) does: members sorted by
// key, no whitespace, minimal string escapes. Keys are ASCII in every message,
// so byte order equals the UTF-16 order JCS asks for.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"

namespace tollstream {

using json = nlohmann::json;

inline constexpr size_t kMaxJsonDepth = 16;

// Errors: kMalformedJson, with the byte offset and what was wrong.
Result<json> ParseStrict(std::string_view text, size_t max_depth = kMaxJsonDepth);

// The first number in `value` that is not an integer, named by its path
// ("params.amount", "a[2]") and with why it is refused: "<path> must be a
// whole number …" (a fraction or an exponent), or "<path> is out of range …"
// (beyond 2^53-1, such as 2^64, which no 64-bit integer holds and the
// parser keeps as a floating-point number). nullopt when there is none. The
// protocol has no fractional numbers.
std::optional<std::string> FindNonInteger(const json& value, const std::string& path = "");

// `text` with every byte that is not part of valid UTF-8 replaced by '?'.
std::string ValidUtf8(std::string_view text);

// Precondition: `value` holds no floating-point number (callers validate first).
std::string Canonical(const json& value);

// Canonical form of `object` without its member `skip` (the signature field).
std::string CanonicalWithout(const json& object, std::string_view skip);

}  // namespace tollstream
