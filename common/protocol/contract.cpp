#include "common/protocol/contract.h"

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/wire/envelope.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {

json ContractTerms::ToJson() const {
  return {{"tracker", tracker.ToHex()},
          {"viewer", viewer.ToHex()},
          {"broadcaster", broadcaster.ToHex()},
          {"spend_address", spend_address},
          {"income_address", income_address},
          {"stream", stream},
          {"price", price},
          {"max_segments", max_segments},
          {"expires", expires},
          {"nonce", nonce}};
}

Hash256 ContractTerms::Id() const {
  return SigningDigest(SignedKind::kContract, Canonical(ToJson()));
}

Result<ContractTerms> ParseTerms(const json& terms, const std::string& path) {
  ObjectReader r(terms, path);
  ContractTerms t;
  if (auto k = r.Key("tracker")) t.tracker = *k;
  if (auto k = r.Key("viewer")) t.viewer = *k;
  if (auto k = r.Key("broadcaster")) t.broadcaster = *k;
  t.spend_address = r.Address("spend_address");
  t.income_address = r.Address("income_address");
  t.stream = r.Name("stream");
  t.price = r.Amount("price");
  t.max_segments = r.Amount("max_segments");
  t.expires = r.Integer("expires", 1, int64_t{1} << 40);
  t.nonce = r.HexString("nonce", kNonceBytes);
  if (r.ok() && t.max_segments == 0) r.Fail("max_segments", "must be at least 1");
  if (r.ok() && !CheckedMul(t.price, t.max_segments)) {
    r.Fail("price", "times max_segments exceeds 2^53-1");
  }
  if (Status s = r.Finish(); !s) return s.error();
  return t;
}

json Contract::ToJson() const {
  json out = {{"terms", terms.ToJson()}};
  if (viewer_sig) out["viewer_sig"] = ToHex(*viewer_sig);
  if (broadcaster_sig) out["broadcaster_sig"] = ToHex(*broadcaster_sig);
  return out;
}

Result<Contract> ParseContract(const json& contract, ContractSigs required,
                               const std::string& path) {
  ObjectReader r(contract, path);
  const json& terms_json = r.Object("terms");
  Contract c;
  c.viewer_sig = r.Sig("viewer_sig");  // every contract form carries it
  if (r.Has("broadcaster_sig") || required == ContractSigs::kBoth) {
    c.broadcaster_sig = r.Sig("broadcaster_sig");
  }
  if (Status s = r.Finish(); !s) return s.error();
  auto terms = ParseTerms(terms_json, path + ".terms");
  if (!terms) return terms.error();
  c.terms = std::move(*terms);
  c.id = c.terms.Id();
  if (!c.terms.viewer.Verify(c.id, *c.viewer_sig)) {
    return MakeError(ErrorCode::kBadSignature,
                     path + ".viewer_sig does not verify against terms.viewer");
  }
  if (c.broadcaster_sig && !c.terms.broadcaster.Verify(c.id, *c.broadcaster_sig)) {
    return MakeError(ErrorCode::kBadSignature,
                     path + ".broadcaster_sig does not verify against terms.broadcaster");
  }
  return c;
}

void SignAsViewer(Contract& contract, const KeyPair& viewer) {
  contract.id = contract.terms.Id();
  contract.viewer_sig = viewer.Sign(contract.id);
}

void SignAsBroadcaster(Contract& contract, const KeyPair& broadcaster) {
  contract.id = contract.terms.Id();
  contract.broadcaster_sig = broadcaster.Sign(contract.id);
}

}  // namespace tollstream
