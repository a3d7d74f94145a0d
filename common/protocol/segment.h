// The stream origin's signed statement of one segment, sent with its bytes:
//
//   { "stream": name, "broadcaster": PK of the origin, "seq": media sequence
//     number, "sha256": 64 hex, "size": bytes, "duration_ms": n,
//     ["discontinuity": true,] ["rendition": name,] "sig": sig by that key }
//
// "discontinuity" (present only when true) says the segment does not
// follow the one before it (an encoder restarted, a streamer came back:
// its timestamps start anew), so that players are told
// (#EXT-X-DISCONTINUITY).
//
// "rendition" names which quality of the stream the segment is, for a
// stream offered in several (absent for a stream of one): the renditions
// of one stream share their sequence numbers and segment boundaries.
//
// It names no contract, seller or buyer, so the same statement travels with
// the segment wherever it goes: a relay forwards the origin's statements
// unchanged; over HTTP it rides in the header kSegmentHeader of the answer
// that carries the bytes. A receiver checks that "broadcaster" is the
// stream's origin, the signature, that the stream and sequence number are
// the ones it asked for, and the hash of the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream {

inline constexpr const char* kSegmentHeader = "X-Tollstream-Segment";

// The reasons a seller gives with the "end" answer to a segment request
// (the contract is settled, no segment follows).
inline constexpr std::string_view kEndStreamEnded = "the stream ended";
inline constexpr std::string_view kEndAllDelivered = "the contract's segments are all delivered";
// The seller is stopping cleanly: it may come back, under a new contract.
inline constexpr std::string_view kEndSellerStopped = "the broadcaster stopped";

struct SegmentStatement {
  std::string stream;
  PublicKey broadcaster;
  uint64_t seq = 0;
  Hash256 sha256{};
  uint64_t size = 0;
  int64_t duration_ms = 0;
  bool discontinuity = false;
  std::string rendition;  // "" for a stream of one quality
  Signature sig{};

  json ToJson() const;  // with "sig"
};

SegmentStatement SignSegment(const KeyPair& broadcaster, std::string stream, uint64_t seq,
                             std::string_view bytes, int64_t duration_ms,
                             bool discontinuity = false, std::string rendition = {});
// The same, for bytes already hashed: `size` of them, of SHA-256 `sha256`.
SegmentStatement SignSegmentHash(const KeyPair& broadcaster, std::string stream, uint64_t seq,
                                 const Hash256& sha256, uint64_t size, int64_t duration_ms,
                                 bool discontinuity = false, std::string rendition = {});

// Parses and checks the signature against the statement's own broadcaster key.
// Errors: kMalformedJson, kInvalidField, kBadSignature.
Result<SegmentStatement> ParseSegmentStatement(std::string_view text);

// Checks `bytes` against the statement. Errors: kBadSignature (hash or size differ).
Status CheckSegmentBytes(const SegmentStatement& statement, std::string_view bytes);

}  // namespace tollstream
