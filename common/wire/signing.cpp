#include "common/wire/signing.h"

#include "common/base/hex.h"

namespace tollstream {

std::string_view DomainTag(SignedKind kind) {
  switch (kind) {
    case SignedKind::kRequest:
      return "tollstream/v1/request";
    case SignedKind::kResponse:
      return "tollstream/v1/response";
    case SignedKind::kContract:
      return "tollstream/v1/contract";
    case SignedKind::kReceipt:
      return "tollstream/v1/receipt";
    case SignedKind::kSegment:
      return "tollstream/v1/segment";
  }
  return "tollstream/v1/invalid";
}

Hash256 SigningDigest(SignedKind kind, std::string_view canonical) {
  return TaggedHash(DomainTag(kind), canonical);
}

Hash256 DigestOf(SignedKind kind, const json& object) {
  return SigningDigest(kind, CanonicalWithout(object, "sig"));
}

void SignInPlace(SignedKind kind, const KeyPair& key, json& object) {
  object["sig"] = ToHex(key.Sign(DigestOf(kind, object)));
}

}  // namespace tollstream
