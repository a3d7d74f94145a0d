// Contracts between a viewer (C) and a broadcaster (B), settled by a tracker (T).
//
//   { "terms": {
//       "tracker": PK_T, "viewer": PK_C, "broadcaster": PK_B,
//       "spend_address": S_C, "income_address": I_B,
//       "stream": name, "price": tokens per segment, "max_segments": n,
//       "expires": unix seconds, "nonce": 32 hex,
//       ["renditions": [{"name": name, "price": tokens per segment}, …]] },
//     "viewer_sig": sig, "broadcaster_sig": sig }
//
// The contract id is SigningDigest(kContract, Canonical(terms)); both parties
// sign the id. The lock is price x max_segments, at most 2^53-1.
//
// "renditions" (1 to kMaxRenditions, names distinct) lets one contract buy
// segments of several qualities of the stream, each at its own price;
// "price" is then the highest of them, so that the lock covers max_segments
// of any mix and the opening charge any one segment. Its receipts count the
// segments of each rendition (receipt.h). Without it, every segment costs
// "price".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream {

inline constexpr size_t kMaxRenditions = 8;

// A rendition a contract may buy, and its price per segment.
struct RenditionPrice {
  std::string name;
  uint64_t price = 0;
  bool operator==(const RenditionPrice& o) const { return name == o.name && price == o.price; }
};

// The highest of `renditions`' prices, or `otherwise` when there are none:
// the price of terms that buy them.
uint64_t TopPrice(const std::vector<RenditionPrice>& renditions, uint64_t otherwise = 0);

struct ContractTerms {
  PublicKey tracker;
  PublicKey viewer;
  PublicKey broadcaster;
  std::string spend_address;
  std::string income_address;
  std::string stream;
  uint64_t price = 0;
  uint64_t max_segments = 0;
  int64_t expires = 0;
  std::string nonce;
  std::vector<RenditionPrice> renditions;  // none: one quality, at `price`

  json ToJson() const;
  Hash256 Id() const;
  // price x max_segments; never overflows (parsing refuses terms where it would).
  uint64_t Lock() const { return price * max_segments; }
  // The index of rendition `name`; nullopt when the terms do not list it.
  std::optional<size_t> Rendition(std::string_view name) const;
  // What `segments` segments cost, `counts[i]` of them of renditions[i]
  // (`counts` empty for terms without renditions, and for no segment at
  // all); never overflows.
  // Errors: kInvalidField, naming `path`'s segments or counts, when they
  // do not fit the terms (more than max_segments; counts of another length,
  // or not adding up to segments).
  Result<uint64_t> Cost(uint64_t segments, const std::vector<uint64_t>& counts,
                        const std::string& path = "receipt") const;
};

// Errors: kInvalidField for any field out of its range.
Result<ContractTerms> ParseTerms(const json& terms, const std::string& path = "terms");

struct Contract {
  ContractTerms terms;
  Hash256 id{};
  std::optional<Signature> viewer_sig;
  std::optional<Signature> broadcaster_sig;

  json ToJson() const;
};

// Which signatures a parsed contract must carry (each present one is checked).
enum class ContractSigs { kViewer, kBoth };

// Errors: kInvalidField, kBadSignature.
Result<Contract> ParseContract(const json& contract, ContractSigs required,
                               const std::string& path = "contract");

// Signs `contract` as its viewer or broadcaster (the key must be the one the terms name).
void SignAsViewer(Contract& contract, const KeyPair& viewer);
void SignAsBroadcaster(Contract& contract, const KeyPair& broadcaster);

}  // namespace tollstream
