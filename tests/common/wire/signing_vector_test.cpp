// The worked signing example in api-spec/ (vectors/signing.json, quoted in
// signing.md) must be exactly what the code computes.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "common/base/hex.h"
#include "common/wire/envelope.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void CheckVector(const json& v, SignedKind kind) {
  auto key = KeyPair::FromSecret(*FromHexFixed<32>(v["secret_key"].get<std::string>()));
  REQUIRE(key.has_value());
  const json& body = v["body"];
  CHECK(v["tag"] == DomainTag(kind));
  CHECK(body["pubkey"] == key->public_key().ToHex());
  std::string canonical = CanonicalWithout(body, "sig");
  CHECK(canonical == v["canonical"].get<std::string>());
  Hash256 digest = SigningDigest(kind, canonical);
  CHECK(ToHex(digest) == v["digest"].get<std::string>());
  Signature sig = key->SignWithAux(digest, *FromHexFixed<32>(v["aux_rand"].get<std::string>()));
  CHECK(ToHex(sig) == v["sig"].get<std::string>());
  CHECK(body["sig"] == v["sig"]);
  CHECK(key->public_key().Verify(digest, sig));
}

}  // namespace

TEST_CASE("api-spec signing vectors match the code") {
  std::string dir = std::string(TOLLSTREAM_SOURCE_DIR) + "/api-spec/";
  json vectors = json::parse(ReadFile(dir + "vectors/signing.json"));
  CheckVector(vectors["request"], SignedKind::kRequest);
  CheckVector(vectors["response"], SignedKind::kResponse);

  // The request parses as a valid signed request whose id is the digest.
  auto req = ParseRequest(vectors["request"]["body"].dump());
  REQUIRE(req.ok());
  CHECK(ToHex(req->id) == vectors["request"]["request_id"].get<std::string>());
  // The response answers that request.
  auto tracker = PublicKey::FromHex(vectors["response"]["body"]["pubkey"].get<std::string>());
  auto resp = ParseResponse(vectors["response"]["body"].dump(), tracker, req->id);
  CHECK(resp.ok());

  // signing.md quotes the same values.
  std::string page = ReadFile(dir + "signing.md");
  for (const char* field : {"canonical", "digest", "sig"}) {
    CAPTURE(field);
    CHECK(page.find(vectors["request"][field].get<std::string>()) != std::string::npos);
  }
}

}  // namespace tollstream
