#include "common/protocol/segment.h"

#include "common/base/hex.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

json Unsigned(const SegmentStatement& s) {
  json j = {{"stream", s.stream}, {"broadcaster", s.broadcaster.ToHex()},
            {"seq", s.seq},       {"sha256", ToHex(s.sha256)},
            {"size", s.size},     {"duration_ms", s.duration_ms}};
  if (s.discontinuity) j["discontinuity"] = true;
  if (!s.rendition.empty()) j["rendition"] = s.rendition;
  return j;
}

}  // namespace

json SegmentStatement::ToJson() const {
  json j = Unsigned(*this);
  j["sig"] = ToHex(sig);
  return j;
}

SegmentStatement SignSegment(const KeyPair& broadcaster, std::string stream, uint64_t seq,
                             std::string_view bytes, int64_t duration_ms, bool discontinuity,
                             std::string rendition) {
  return SignSegmentHash(broadcaster, std::move(stream), seq, Sha256(bytes), bytes.size(),
                         duration_ms, discontinuity, std::move(rendition));
}

SegmentStatement SignSegmentHash(const KeyPair& broadcaster, std::string stream, uint64_t seq,
                                 const Hash256& sha256, uint64_t size, int64_t duration_ms,
                                 bool discontinuity, std::string rendition) {
  SegmentStatement s;
  s.discontinuity = discontinuity;
  s.rendition = std::move(rendition);
  s.stream = std::move(stream);
  s.broadcaster = broadcaster.public_key();
  s.seq = seq;
  s.sha256 = sha256;
  s.size = size;
  s.duration_ms = duration_ms;
  s.sig = broadcaster.Sign(DigestOf(SignedKind::kSegment, Unsigned(s)));
  return s;
}

Result<SegmentStatement> ParseSegmentStatement(std::string_view text) {
  auto body = ParseStrict(text);
  if (!body) return body.error();
  ObjectReader r(*body, "segment");
  SegmentStatement s;
  s.stream = r.Name("stream");
  if (auto k = r.Key("broadcaster")) s.broadcaster = *k;
  s.seq = r.Amount("seq");
  s.sha256 = r.Hex<32>("sha256");
  s.size = r.Amount("size");
  s.duration_ms = r.Integer("duration_ms", 0, 86'400'000);
  if (r.Has("discontinuity")) {
    s.discontinuity = r.Bool("discontinuity");
    if (!s.discontinuity) r.Fail("discontinuity", "is present only as true");
  }
  if (r.Has("rendition")) s.rendition = r.Name("rendition");
  s.sig = r.Sig("sig");
  if (Status st = r.Finish(); !st) return st.error();
  if (!s.broadcaster.Verify(DigestOf(SignedKind::kSegment, *body), s.sig)) {
    return MakeError(ErrorCode::kBadSignature,
                     "segment.sig does not verify against segment.broadcaster");
  }
  return s;
}

Status CheckSegmentBytes(const SegmentStatement& statement, std::string_view bytes) {
  if (bytes.size() != statement.size || Sha256(bytes) != statement.sha256) {
    return MakeError(ErrorCode::kBadSignature,
                     "segment " + std::to_string(statement.seq) +
                         ": the bytes received do not match the broadcaster's signed hash");
  }
  return Status::Ok();
}

}  // namespace tollstream
