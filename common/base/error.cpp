#include "common/base/error.h"

#include <array>

namespace tollstream {
namespace {

struct CodeInfo {
  ErrorCode code;
  std::string_view name;
  int http_status;
};

constexpr std::array kCodes = {
    CodeInfo{ErrorCode::kMalformedJson, "malformed_json", 400},
    CodeInfo{ErrorCode::kInvalidField, "invalid_field", 400},
    CodeInfo{ErrorCode::kBadSignature, "bad_signature", 400},
    CodeInfo{ErrorCode::kWrongTracker, "wrong_tracker", 400},
    CodeInfo{ErrorCode::kStaleRequest, "stale_request", 400},
    CodeInfo{ErrorCode::kUnsupportedVersion, "unsupported_version", 400},
    CodeInfo{ErrorCode::kForbidden, "forbidden", 403},
    CodeInfo{ErrorCode::kNotFound, "not_found", 404},
    CodeInfo{ErrorCode::kInsufficientFunds, "insufficient_funds", 409},
    CodeInfo{ErrorCode::kConflict, "conflict", 409},
    CodeInfo{ErrorCode::kDuplicate, "duplicate", 409},
    CodeInfo{ErrorCode::kBodyTooLarge, "body_too_large", 413},
    CodeInfo{ErrorCode::kHeaderTooLarge, "header_too_large", 431},
    CodeInfo{ErrorCode::kBusy, "busy", 429},
    CodeInfo{ErrorCode::kInternal, "internal", 500},
    CodeInfo{ErrorCode::kUpstream, "upstream", 502},
    CodeInfo{ErrorCode::kUnavailable, "unavailable", 503},
};

const CodeInfo& InfoOf(ErrorCode code) {
  for (const auto& info : kCodes) {
    if (info.code == code) return info;
  }
  static_assert(kCodes[14].code == ErrorCode::kInternal);
  return kCodes[14];  // unreachable: every enumerator is in the table
}

}  // namespace

std::string_view CodeName(ErrorCode code) {
  return InfoOf(code).name;
}

int HttpStatus(ErrorCode code) {
  return InfoOf(code).http_status;
}

std::optional<ErrorCode> CodeFromName(std::string_view name) {
  for (const auto& info : kCodes) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

std::string ExceptionMessage(std::exception_ptr ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
  }
  return "unknown exception";
}

}  // namespace tollstream
