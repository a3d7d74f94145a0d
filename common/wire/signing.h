// What is signed, for every kind of signed message.
//
//   digest = TaggedHash(tag, canonical)           (BIP-340 tagged hash, SHA-256)
//   tag    = "tollstream/v1/" kind                 e.g. "tollstream/v1/request"
//   canonical = Canonical(message without its "sig" member)   (see json.h)
//   sig    = BIP-340 Schnorr signature of digest   (64 bytes, lowercase hex)
//
// A digest under one kind never equals a digest under another, so a signature
// of one kind of message can never pass as another kind.
#pragma once

#include <string_view>

#include "common/crypto/keys.h"
#include "common/crypto/sha.h"
#include "common/wire/json.h"

namespace tollstream {

enum class SignedKind {
  kRequest,   // a request to the tracker or to a peer
  kResponse,  // an answer of the tracker or of a peer
  kContract,  // the terms of a contract (signed by viewer and broadcaster)
  kReceipt,   // a viewer's cumulative receipt
  kSegment,   // a broadcaster's statement of a segment's hash
};

std::string_view DomainTag(SignedKind kind);

Hash256 SigningDigest(SignedKind kind, std::string_view canonical);

// Digest of `object` (a JSON object) without its "sig" member.
Hash256 DigestOf(SignedKind kind, const json& object);

// Signs DigestOf(kind, object) and stores the signature in object["sig"].
void SignInPlace(SignedKind kind, const KeyPair& key, json& object);

}  // namespace tollstream
