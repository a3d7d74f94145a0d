#include "common/protocol/contract.h"

#include <algorithm>

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/wire/envelope.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {

uint64_t TopPrice(const std::vector<RenditionPrice>& renditions, uint64_t otherwise) {
  if (renditions.empty()) return otherwise;
  uint64_t top = 0;
  for (const RenditionPrice& r : renditions) top = std::max(top, r.price);
  return top;
}

json ContractTerms::ToJson() const {
  json out = {{"tracker", tracker.ToHex()},
              {"viewer", viewer.ToHex()},
              {"broadcaster", broadcaster.ToHex()},
              {"spend_address", spend_address},
              {"income_address", income_address},
              {"stream", stream},
              {"price", price},
              {"max_segments", max_segments},
              {"expires", expires},
              {"nonce", nonce}};
  if (renditions.empty()) return out;
  json list = json::array();
  for (const RenditionPrice& r : renditions) list.push_back({{"name", r.name}, {"price", r.price}});
  out["renditions"] = std::move(list);
  return out;
}

std::optional<size_t> ContractTerms::Rendition(std::string_view name) const {
  for (size_t i = 0; i < renditions.size(); ++i) {
    if (renditions[i].name == name) return i;
  }
  return std::nullopt;
}

Result<uint64_t> ContractTerms::Cost(uint64_t segments, const std::vector<uint64_t>& counts,
                                     const std::string& path) const {
  auto invalid = [&](const std::string& what) {
    return MakeError(ErrorCode::kInvalidField, path + "." + what);
  };
  if (segments > max_segments) return invalid("segments exceeds the contract's max_segments");
  if (segments == 0 && counts.empty()) return uint64_t{0};
  if (renditions.empty()) {
    if (!counts.empty()) return invalid("counts is for a contract with renditions; this has none");
    return price * segments;
  }
  if (counts.size() != renditions.size()) {
    return invalid("counts must hold one count for each of the contract's " +
                   std::to_string(renditions.size()) + " renditions");
  }
  // Each count is at most 2^53-1 and there are at most kMaxRenditions.
  uint64_t total = 0;
  for (uint64_t n : counts) total += n;
  if (total != segments) return invalid("counts must add up to segments");
  // Each rendition's price is at most `price`: the sum is at most price x segments.
  uint64_t cost = 0;
  for (size_t i = 0; i < counts.size(); ++i) cost += counts[i] * renditions[i].price;
  return cost;
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
  if (r.Has("renditions")) {
    const json& list = r.Array("renditions", 1, kMaxRenditions);
    for (size_t i = 0; i < list.size() && r.ok(); ++i) {
      std::string where = path + ".renditions[" + std::to_string(i) + "]";
      ObjectReader e(list[i], where);
      RenditionPrice rendition{e.Name("name"), e.Amount("price")};
      if (Status s = e.Finish(); !s) return s.error();
      if (t.Rendition(rendition.name)) {
        return MakeError(ErrorCode::kInvalidField, where + ".name is listed twice");
      }
      t.renditions.push_back(std::move(rendition));
    }
  }
  if (r.ok() && t.max_segments == 0) r.Fail("max_segments", "must be at least 1");
  if (r.ok() && !CheckedMul(t.price, t.max_segments)) {
    r.Fail("price", "times max_segments exceeds 2^53-1");
  }
  if (Status s = r.Finish(); !s) return s.error();
  if (!t.renditions.empty()) {
    uint64_t top = TopPrice(t.renditions);
    if (top != t.price) {
      return MakeError(
          ErrorCode::kInvalidField,
          path + ".price must be the highest of its renditions' prices, " + std::to_string(top));
    }
  }
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
