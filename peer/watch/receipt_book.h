// The viewer's side of one contract's receipts: each delivered segment is
// checked against its statement and paid by extending the cumulative
// receipt (one more segment, its bytes, the price, the hash chain), signed
// anew. A segment that fails its check changes nothing. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/protocol/segment.h"

namespace tollstream {

class ReceiptBook {
 public:
  // The zero receipt of `contract` (nothing received), signed by `viewer`,
  // whose key outlives the book.
  ReceiptBook(const Contract& contract, const KeyPair& viewer);

  // Segments are due from `seq` on.
  void StartAt(uint64_t seq) { m_next_seq = seq; }
  // Pays `statement`'s segment of `bytes` (under renditions, at its
  // rendition's price, counted and chained as its). Errors: kBadSignature
  // (other bytes than signed, another stream, an earlier segment than due,
  // under renditions another than `asked`). A later segment than due is a
  // skip (what was due left the seller's window).
  Status Pay(const SegmentStatement& statement, const std::string& bytes,
             const std::string& asked = "");

  const Receipt& receipt() const { return m_receipt; }
  // The segment after the last one paid.
  uint64_t next_seq() const { return m_next_seq; }

 private:
  const KeyPair& m_viewer;
  ContractTerms m_terms;
  Receipt m_receipt;
  uint64_t m_next_seq = 0;
};

}  // namespace tollstream
