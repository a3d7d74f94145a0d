#include "common/protocol/receipt.h"

#include <cstring>

#include "common/base/hex.h"
#include "common/protocol/contract.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

json Unsigned(const Receipt& r) {
  json out = {{"contract", ToHex(r.contract)},
              {"viewer", r.viewer.ToHex()},
              {"segments", r.segments},
              {"bytes", r.bytes},
              {"amount", r.amount},
              {"chain", ToHex(r.chain)}};
  if (!r.counts.empty()) out["counts"] = r.counts;
  return out;
}

}  // namespace

json Receipt::ToJson() const {
  json out = Unsigned(*this);
  out["sig"] = ToHex(sig);
  return out;
}

Hash256 ExtendChain(const Hash256& chain, const Hash256& segment_hash) {
  std::array<uint8_t, 64> buf;
  std::memcpy(buf.data(), chain.data(), 32);
  std::memcpy(buf.data() + 32, segment_hash.data(), 32);
  return Sha256(buf);
}

Hash256 ExtendChain(const Hash256& chain, const Hash256& segment_hash, uint8_t rendition) {
  std::array<uint8_t, 65> buf;
  std::memcpy(buf.data(), chain.data(), 32);
  std::memcpy(buf.data() + 32, segment_hash.data(), 32);
  buf[64] = rendition;
  return Sha256(buf);
}

void SignReceipt(Receipt& receipt, const KeyPair& viewer) {
  receipt.sig = viewer.Sign(DigestOf(SignedKind::kReceipt, Unsigned(receipt)));
}

Result<Receipt> ParseReceipt(const json& receipt, const std::string& path) {
  ObjectReader r(receipt, path);
  Receipt out;
  out.contract = r.Hex<32>("contract");
  if (auto k = r.Key("viewer")) out.viewer = *k;
  out.segments = r.Amount("segments");
  out.bytes = r.Amount("bytes");
  out.amount = r.Amount("amount");
  out.chain = r.Hex<32>("chain");
  if (r.Has("counts")) out.counts = r.Amounts("counts", 1, kMaxRenditions);
  out.sig = r.Sig("sig");
  if (Status s = r.Finish(); !s) return s.error();
  if (!out.viewer.Verify(DigestOf(SignedKind::kReceipt, receipt), out.sig)) {
    return MakeError(ErrorCode::kBadSignature,
                     path + ".sig does not verify against " + path + ".viewer");
  }
  return out;
}

}  // namespace tollstream
