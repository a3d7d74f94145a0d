#include "common/wire/envelope.h"

#include <doctest/doctest.h>

#include <functional>
#include <set>

#include "common/base/hex.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

const int64_t kTs = 1795400000;

json Signed(const KeyPair& key, const PublicKey& tracker) {
  return SignRequest(key, "transfer", tracker, json{{"to", std::string(64, 'a')}, {"amount", 5}},
                     kTs, std::string(32, '1'));
}

}  // namespace

TEST_CASE("a signed request parses and names its signer") {
  KeyPair client = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  json body = Signed(client, tracker.public_key());
  auto req = ParseRequest(body.dump());
  REQUIRE(req.ok());
  CHECK(req->method == "transfer");
  CHECK(req->signer == client.public_key());
  CHECK(*req->tracker == tracker.public_key());
  CHECK(req->ts == kTs);
  CHECK(req->params["amount"] == 5);
  CHECK(req->id == DigestOf(SignedKind::kRequest, body));
}

TEST_CASE("any changed field breaks the request signature") {
  KeyPair client = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  json original = Signed(client, tracker.public_key());
  std::vector<std::pair<std::string, json>> changes = {
      {"/params/amount", 6}, {"/params/to", std::string(64, 'b')},
      {"/ts", kTs + 1},      {"/nonce", std::string(32, '2')},
      {"/method", "mint"},   {"/tracker", KeyPair::Generate().public_key().ToHex()},
  };
  for (const auto& [pointer, value] : changes) {
    CAPTURE(pointer);
    json changed = original;
    changed[json::json_pointer(pointer)] = value;
    auto req = ParseRequest(changed.dump());
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code == ErrorCode::kBadSignature);
  }
}

TEST_CASE("the signature must be by the key the body names") {
  KeyPair client = KeyPair::Generate();
  KeyPair other = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  json body = Signed(client, tracker.public_key());
  body["pubkey"] = other.public_key().ToHex();  // claims another signer
  auto req = ParseRequest(body.dump());
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().code == ErrorCode::kBadSignature);
}

TEST_CASE("a signature of one kind never passes as another") {
  KeyPair client = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  json body = Signed(client, tracker.public_key());
  // The same bytes signed as a receipt (another domain tag) must not verify as a request.
  Hash256 as_receipt = DigestOf(SignedKind::kReceipt, body);
  body["sig"] = ToHex(client.Sign(as_receipt));
  auto req = ParseRequest(body.dump());
  REQUIRE_FALSE(req.ok());
  CHECK(req.error().code == ErrorCode::kBadSignature);
  std::set<std::string_view> tags;
  for (auto kind : {SignedKind::kRequest, SignedKind::kResponse, SignedKind::kContract,
                    SignedKind::kReceipt, SignedKind::kSegment}) {
    tags.insert(DomainTag(kind));
  }
  CHECK(tags.size() == 5);
}

TEST_CASE("envelope shape errors") {
  KeyPair client = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  json good = Signed(client, tracker.public_key());
  struct Case {
    std::function<void(json&)> change;
    ErrorCode code;
  };
  std::vector<Case> cases = {
      {[](json& b) { b["v"] = 2; }, ErrorCode::kUnsupportedVersion},
      {[](json& b) { b.erase("v"); }, ErrorCode::kInvalidField},
      {[](json& b) { b.erase("nonce"); }, ErrorCode::kInvalidField},
      {[](json& b) { b["nonce"] = "short"; }, ErrorCode::kInvalidField},
      {[](json& b) { b["extra"] = 1; }, ErrorCode::kInvalidField},
      {[](json& b) { b.erase("tracker"); }, ErrorCode::kInvalidField},
      {[](json& b) { b["ts"] = -1; }, ErrorCode::kInvalidField},
      {[](json& b) { b["params"] = json::array(); }, ErrorCode::kInvalidField},
      {[](json& b) { b["sig"] = std::string(128, 'G'); }, ErrorCode::kInvalidField},
      {[](json& b) { b["pubkey"] = std::string(64, 'f'); }, ErrorCode::kInvalidField},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    CAPTURE(i);
    json b = good;
    cases[i].change(b);
    auto req = ParseRequest(b.dump());
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code == cases[i].code);
  }
  CHECK(ParseRequest("[1]").error().code == ErrorCode::kInvalidField);
  CHECK(ParseRequest("{").error().code == ErrorCode::kMalformedJson);
}

TEST_CASE("numbers that are not the protocol's integers: which code, which message") {
  KeyPair client = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  std::string good = Signed(client, tracker.public_key()).dump();
  auto with = [&](const std::string& from, const std::string& to) {
    std::string text = good;
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return ParseRequest(text.replace(at, from.size(), to));
  };
  // `v` is read first: 1.0 is another version.
  auto version = with("\"v\":1", "\"v\":1.0");
  REQUIRE_FALSE(version.ok());
  CHECK(version.error().code == ErrorCode::kUnsupportedVersion);
  struct Case {
    const char* amount;
    const char* message;
  };
  for (const auto& c : std::vector<Case>{{"1.0", "params.amount must be a whole number"},
                                         {"1e3", "params.amount must be a whole number"},
                                         {"18446744073709551616", "params.amount is out of range"},
                                         {"-18446744073709551616", "params.amount is out of range"},
                                         {"1e300", "params.amount is out of range"}}) {
    CAPTURE(c.amount);
    auto req = with("\"amount\":5", std::string("\"amount\":") + c.amount);
    REQUIRE_FALSE(req.ok());
    CHECK(req.error().code == ErrorCode::kInvalidField);
    CHECK(req.error().message.find(c.message) == 0);
  }
}

TEST_CASE("handshake may omit the tracker key; nothing else may") {
  KeyPair client = KeyPair::Generate();
  json hs =
      SignRequest(client, "handshake", std::nullopt, json::object(), kTs, std::string(32, 'a'));
  CHECK(ParseRequest(hs.dump()).ok());
  json other =
      SignRequest(client, "account", std::nullopt, json::object(), kTs, std::string(32, 'a'));
  CHECK(ParseRequest(other.dump()).error().code == ErrorCode::kInvalidField);
}

TEST_CASE("responses are checked for signer, signature and request id") {
  KeyPair tracker = KeyPair::Generate();
  Hash256 request_id = Sha256(std::string_view("request"));
  json body = ResponseBody("transfer", tracker.public_key(), request_id, kTs, 200, json{{"x", 1}});
  SignInPlace(SignedKind::kResponse, tracker, body);
  auto ok = ParseResponse(body.dump(), tracker.public_key(), request_id);
  REQUIRE(ok.ok());
  CHECK(ok->result["x"] == 1);

  CHECK_FALSE(ParseResponse(body.dump(), KeyPair::Generate().public_key(), request_id).ok());
  CHECK_FALSE(
      ParseResponse(body.dump(), tracker.public_key(), Sha256(std::string_view("other"))).ok());
  json tampered = body;
  tampered["result"]["x"] = 2;
  CHECK_FALSE(ParseResponse(tampered.dump(), tracker.public_key(), request_id).ok());

  json error = ErrorBody("transfer", tracker.public_key(), request_id, kTs,
                         MakeError(ErrorCode::kInsufficientFunds, "no"));
  SignInPlace(SignedKind::kResponse, tracker, error);
  auto refused = ParseResponse(error.dump(), tracker.public_key(), request_id);
  REQUIRE(refused.ok());
  CHECK(refused->status == 409);
  CHECK(refused->error->code == ErrorCode::kInsufficientFunds);
}

}  // namespace tollstream
