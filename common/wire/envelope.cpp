#include "common/wire/envelope.h"

#include "common/base/hex.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

constexpr int64_t kMaxTimestamp = int64_t{1} << 40;

// Reads "v" first so that a future version gets a clear error, not a field error.
Status CheckVersion(const json& body) {
  auto it = body.find("v");
  if (it == body.end()) return Status::Ok();  // reported as a missing field
  if (!it->is_number_integer() || it->get<int64_t>() != kProtocolVersion) {
    return MakeError(ErrorCode::kUnsupportedVersion, "protocol version " + it->dump() +
                                                         " is not supported; this node speaks v" +
                                                         std::to_string(kProtocolVersion));
  }
  return Status::Ok();
}

Error BadSignature(std::string_view what) {
  return MakeError(ErrorCode::kBadSignature, std::string(what));
}

}  // namespace

json SignRequest(const KeyPair& key, std::string_view method,
                 const std::optional<PublicKey>& tracker, json params, int64_t ts,
                 std::string nonce) {
  json body = {
      {"v", kProtocolVersion},     {"method", method}, {"pubkey", key.public_key().ToHex()},
      {"nonce", std::move(nonce)}, {"ts", ts},         {"params", std::move(params)}};
  if (tracker) body["tracker"] = tracker->ToHex();
  SignInPlace(SignedKind::kRequest, key, body);
  return body;
}

Result<Request> ParseRequest(std::string_view text) {
  auto body = ParseStrict(text);
  if (!body) return body.error();
  return ParseRequestObject(*body);
}

Result<Request> ParseRequestObject(const json& body) {
  if (!body.is_object())
    return MakeError(ErrorCode::kInvalidField, "the request must be an object");
  if (Status s = CheckVersion(body); !s) return s.error();
  ObjectReader r(body, "");
  Request req;
  r.Integer("v", kProtocolVersion, kProtocolVersion);
  req.method = r.Name("method");
  if (r.Has("tracker")) {
    if (auto key = r.Key("tracker")) req.tracker = *key;
  }
  if (auto key = r.Key("pubkey")) req.signer = *key;
  req.nonce = r.HexString("nonce", kNonceBytes);
  req.ts = r.Integer("ts", 0, kMaxTimestamp);
  req.params = r.Object("params");
  Signature sig = r.Sig("sig");
  if (r.ok() && !req.tracker && req.method != "handshake") {
    r.Fail("tracker", "is missing (only handshake may omit it)");
  }
  if (Status s = r.Finish(); !s) return s.error();
  // Checked before the signature: a fraction has no canonical form here.
  if (auto problem = FindNonInteger(body)) return MakeError(ErrorCode::kInvalidField, *problem);
  req.id = DigestOf(SignedKind::kRequest, body);
  if (!req.signer.Verify(req.id, sig)) {
    return BadSignature("the request signature does not verify against its pubkey");
  }
  return req;
}

Status CheckRequest(const Request& req, std::string_view method, const PublicKey& tracker,
                    int64_t now, int64_t max_skew) {
  if (req.method != method) {
    return MakeError(ErrorCode::kInvalidField,
                     "method \"" + req.method + "\" was sent to /v1/" + std::string(method));
  }
  if (req.tracker && *req.tracker != tracker) {
    return MakeError(ErrorCode::kWrongTracker, "the request is for tracker " +
                                                   req.tracker->ToHex() + ", this node uses " +
                                                   tracker.ToHex());
  }
  bool stale = req.ts < now - max_skew || req.ts > now + max_skew;
  if (stale && method != "handshake") {
    return MakeError(ErrorCode::kStaleRequest,
                     "ts " + std::to_string(req.ts) + " is more than " + std::to_string(max_skew) +
                         " s from this node's clock " + std::to_string(now));
  }
  return Status::Ok();
}

json ResponseBody(std::string_view method, const PublicKey& signer,
                  const std::optional<Hash256>& request, int64_t ts, int status, json result) {
  return {{"v", kProtocolVersion},
          {"method", method},
          {"pubkey", signer.ToHex()},
          {"request", request ? json(ToHex(*request)) : json(nullptr)},
          {"ts", ts},
          {"status", status},
          {"result", std::move(result)}};
}

json ErrorBody(std::string_view method, const PublicKey& signer,
               const std::optional<Hash256>& request, int64_t ts, const Error& error) {
  json body = ResponseBody(method, signer, request, ts, HttpStatus(error.code), nullptr);
  body.erase("result");
  // Messages may quote input: keep answers small and valid UTF-8 whatever
  // the input was.
  constexpr size_t kMaxMessage = 1024;
  std::string message = error.message.size() <= kMaxMessage
                            ? error.message
                            : error.message.substr(0, kMaxMessage) + "...";
  message = ValidUtf8(message);
  body["error"] = {{"code", CodeName(error.code)}, {"message", message}};
  return body;
}

Result<Response> ParseResponse(std::string_view text,
                               const std::optional<PublicKey>& expected_signer,
                               const std::optional<Hash256>& expected_request) {
  auto parsed = ParseStrict(text);
  if (!parsed) return MakeError(ErrorCode::kUpstream, "answer: " + parsed.error().message);
  const json& body = *parsed;
  if (!body.is_object()) return MakeError(ErrorCode::kUpstream, "answer: not a JSON object");
  ObjectReader r(body, "answer");
  Response resp;
  r.Integer("v", kProtocolVersion, kProtocolVersion);
  resp.method = r.String("method", 0, 64);
  if (auto key = r.Key("pubkey")) resp.signer = *key;
  if (r.Has("request") && !body["request"].is_null()) resp.request = r.Hex<32>("request");
  resp.ts = r.Integer("ts", 0, kMaxTimestamp);
  resp.status = static_cast<int>(r.Integer("status", 100, 599));
  if (resp.status == 200) {
    resp.result = r.Object("result");
  } else {
    ObjectReader e(r.Object("error"), "answer.error");
    std::string code = e.String("code", 1, 64);
    std::string message = e.String("message", 0, 65536);
    if (Status s = e.Finish(); !s) return MakeError(ErrorCode::kUpstream, s.error().message);
    resp.error = MakeError(CodeFromName(code).value_or(ErrorCode::kUpstream), message);
  }
  Signature sig = r.Sig("sig");
  if (Status s = r.Finish(); !s) return MakeError(ErrorCode::kUpstream, s.error().message);
  if (expected_signer && resp.signer != *expected_signer) {
    return MakeError(ErrorCode::kUpstream,
                     "answer signed by an unexpected key " + resp.signer.ToHex());
  }
  if (!resp.signer.Verify(DigestOf(SignedKind::kResponse, body), sig)) {
    return MakeError(ErrorCode::kUpstream, "answer signature does not verify");
  }
  if (expected_request && resp.request != expected_request) {
    return MakeError(ErrorCode::kUpstream, "answer does not echo our request id");
  }
  resp.signed_body = std::move(*parsed);
  return resp;
}

}  // namespace tollstream
