#include "peer/watch/receipt_book.h"

namespace tollstream {

ReceiptBook::ReceiptBook(const Contract& contract, const KeyPair& viewer)
    : m_viewer(viewer), m_terms(contract.terms) {
  m_receipt.contract = contract.id;
  m_receipt.viewer = viewer.public_key();
  m_receipt.chain = contract.id;
  SignReceipt(m_receipt, m_viewer);
}

Status ReceiptBook::Pay(const SegmentStatement& st, const std::string& bytes,
                        const std::string& asked) {
  if (Status s = CheckSegmentBytes(st, bytes); !s) return s;
  if (st.stream != m_terms.stream) {
    return MakeError(ErrorCode::kBadSignature, "the segment is of stream " + st.stream);
  }
  if (st.seq < m_next_seq) {
    return MakeError(ErrorCode::kBadSignature, "segment " + std::to_string(st.seq) +
                                                   " came where " + std::to_string(m_next_seq) +
                                                   " was due");
  }
  std::optional<size_t> rendition;
  if (!m_terms.renditions.empty()) {
    rendition = m_terms.Rendition(st.rendition);
    if (!rendition || st.rendition != (asked.empty() ? m_terms.renditions[0].name : asked)) {
      return MakeError(ErrorCode::kBadSignature,
                       "segment " + std::to_string(st.seq) + " is of rendition '" + st.rendition +
                           "', " + (asked.empty() ? m_terms.renditions[0].name : asked) +
                           " was asked for");
    }
  }
  Receipt next = m_receipt;
  next.segments += 1;
  next.bytes += bytes.size();
  if (rendition) {
    next.counts.resize(m_terms.renditions.size(), 0);
    next.counts[*rendition] += 1;
    next.chain = ExtendChain(next.chain, st.sha256, static_cast<uint8_t>(*rendition));
  } else {
    next.chain = ExtendChain(next.chain, st.sha256);
  }
  auto cost = m_terms.Cost(next.segments, next.counts);
  if (!cost) return MakeError(ErrorCode::kBadSignature, cost.error().message);
  next.amount = *cost;
  m_receipt = std::move(next);
  SignReceipt(m_receipt, m_viewer);
  m_next_seq = st.seq + 1;
  return Status::Ok();
}

}  // namespace tollstream
