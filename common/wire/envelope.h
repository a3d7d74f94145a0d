// The request and response envelopes every tracker and peer endpoint uses.
//
// Request (POST body), signed by `pubkey` under SignedKind::kRequest:
//   { "v": 1, "method": M, "tracker": PK_T (absent in handshake), "pubkey": PK,
//     "nonce": 32 hex, "ts": unix seconds, "params": {...}, "sig": 128 hex }
// Response, signed by `pubkey` (the answering node) under SignedKind::kResponse:
//   { "v": 1, "method": M, "pubkey": PK_T, "request": request id | null,
//     "ts": unix seconds, "status": HTTP status,
//     "result": {...}            (status 200)
//     "error": {"code", "message"}  (otherwise), "sig": 128 hex }
// The request id is the hex of the request's signing digest; echoing it binds
// an answer to the one request it answers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream {

inline constexpr int64_t kProtocolVersion = 1;
inline constexpr size_t kNonceBytes = 16;

struct Request {
  std::string method;
  std::optional<PublicKey> tracker;  // absent only when method == "handshake"
  PublicKey signer;
  std::string nonce;
  int64_t ts = 0;
  json params;
  Hash256 id{};  // the signing digest
};

// A signed request body, ready to send.
json SignRequest(const KeyPair& key, std::string_view method,
                 const std::optional<PublicKey>& tracker, json params, int64_t ts,
                 std::string nonce);

// Parses `body` and checks its signature. The caller checks the method,
// tracker key and timestamp against what it expects.
// Errors: kMalformedJson, kInvalidField, kUnsupportedVersion, kBadSignature.
Result<Request> ParseRequest(std::string_view body);
Result<Request> ParseRequestObject(const json& body);

// Checks a parsed request against the route it came to and the receiving
// node's view: `method` equals the route's, `tracker` (when present) is
// `tracker`, and `ts` is within `max_skew` seconds of `now` (handshake is
// exempt: it changes nothing, and it is how a client learns the time).
// Errors: kInvalidField, kWrongTracker, kStaleRequest.
Status CheckRequest(const Request& request, std::string_view method, const PublicKey& tracker,
                    int64_t now, int64_t max_skew);

struct Response {
  std::string method;
  PublicKey signer;
  std::optional<Hash256> request;
  int64_t ts = 0;
  int status = 200;
  json result;                 // when status == 200
  std::optional<Error> error;  // otherwise
  json signed_body;            // the whole answer as received, signature included
};

// The unsigned body of an answer; sign it with SignInPlace(kResponse, ...).
json ResponseBody(std::string_view method, const PublicKey& signer,
                  const std::optional<Hash256>& request, int64_t ts, int status, json result);
json ErrorBody(std::string_view method, const PublicKey& signer,
               const std::optional<Hash256>& request, int64_t ts, const Error& error);

// Parses an answer and checks its signature, that it comes from `expected_signer`
// (when given) and that it answers `expected_request` (when given).
Result<Response> ParseResponse(std::string_view body,
                               const std::optional<PublicKey>& expected_signer,
                               const std::optional<Hash256>& expected_request);

}  // namespace tollstream
