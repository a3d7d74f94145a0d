// A viewer's cumulative receipt: everything received so far under a contract.
//
//   { "contract": id, "viewer": PK_C, "segments": n, "bytes": n,
//     "amount": tokens owed, "chain": 64 hex, ["counts": [n, …],] "sig": sig by viewer }
//
// chain is a hash chain over the SHA-256 of every segment received, in order:
//   chain_0 = contract id;  chain_i = SHA256(chain_{i-1} || SHA256(segment_i))
// so one receipt commits to all segments before it.
//
// Under a contract with renditions (contract.h), "counts" holds how many of
// the segments were of each of its renditions, in the terms' order, and
// "amount" is what they cost at their prices; each link of the chain also
// names the rendition: chain_i = SHA256(chain_{i-1} || SHA256(segment_i) || r_i),
// r_i the index of segment i's rendition in the terms, as one byte.
#pragma once

#include <cstdint>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream {

struct Receipt {
  Hash256 contract{};
  PublicKey viewer;
  uint64_t segments = 0;
  uint64_t bytes = 0;
  uint64_t amount = 0;
  Hash256 chain{};
  std::vector<uint64_t> counts;  // per rendition, for a contract with renditions
  Signature sig{};

  json ToJson() const;  // with "sig"
};

// The chain value after one more segment whose SHA-256 is `segment_hash`.
Hash256 ExtendChain(const Hash256& chain, const Hash256& segment_hash);
// The same under a contract with renditions: the segment was of the terms'
// renditions[rendition].
Hash256 ExtendChain(const Hash256& chain, const Hash256& segment_hash, uint8_t rendition);

// Fills receipt.sig.
void SignReceipt(Receipt& receipt, const KeyPair& viewer);

// Errors: kInvalidField, kBadSignature (against receipt.viewer).
Result<Receipt> ParseReceipt(const json& receipt, const std::string& path = "receipt");

}  // namespace tollstream
