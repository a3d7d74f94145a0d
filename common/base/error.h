// Error codes shared by the tracker and the peers, and the one table that maps
// each to its HTTP status and its wire name.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace tollstream {

enum class ErrorCode {
  kMalformedJson,       // 400: the body is not one well-formed JSON object
  kInvalidField,        // 400: a field is missing, extra, of the wrong type or out of range
  kBadSignature,        // 400: a signature does not check against the key the message names
  kWrongTracker,        // 400: the request names another tracker's key
  kStaleRequest,        // 400: the timestamp is outside the accepted clock skew
  kUnsupportedVersion,  // 400: the protocol version is not one this node speaks
  kForbidden,           // 403: a valid signature by a key that may not do this
  kNotFound,            // 404: no such route, account, contract or stream
  kInsufficientFunds,   // 409: the balance (less locks) does not cover the amount
  kConflict,            // 409: the state does not allow it (closed, open contracts, expired)
  kDuplicate,           // 409: it exists already (contract id, nonce reused with other content)
  kBodyTooLarge,        // 413: the body is over the size limit
  kHeaderTooLarge,      // 431: the request line or header block is over its limit
  kBusy,                // 429: a limited resource is in use; try again later
  kInternal,            // 500: a bug or an unexpected failure; nothing was applied, unless the
                        //      message says the outcome is unknown (a storage sync failed)
  kUnavailable,         // 503: storage failed or is recovering; nothing was applied, nor will be
  kUpstream,            // 502: a node this one depends on answered badly or not at all
};

// The wire name, e.g. "insufficient_funds".
std::string_view CodeName(ErrorCode code);
std::optional<ErrorCode> CodeFromName(std::string_view name);
int HttpStatus(ErrorCode code);

// What an exception says (its what(), or "unknown exception"), for logs.
std::string ExceptionMessage(std::exception_ptr ep);

struct Error {
  ErrorCode code;
  std::string message;
};

}  // namespace tollstream
