#include "peer/watch/receipt_book.h"

namespace tollstream {

ReceiptBook::ReceiptBook(const Contract& contract, const KeyPair& viewer)
    : m_viewer(viewer), m_stream(contract.terms.stream), m_price(contract.terms.price) {
  m_receipt.contract = contract.id;
  m_receipt.viewer = viewer.public_key();
  m_receipt.chain = contract.id;
  SignReceipt(m_receipt, m_viewer);
}

Status ReceiptBook::Pay(const SegmentStatement& st, const std::string& bytes) {
  if (Status s = CheckSegmentBytes(st, bytes); !s) return s;
  if (st.stream != m_stream) {
    return MakeError(ErrorCode::kBadSignature, "the segment is of stream " + st.stream);
  }
  if (st.seq < m_next_seq) {
    return MakeError(ErrorCode::kBadSignature, "segment " + std::to_string(st.seq) +
                                                   " came where " + std::to_string(m_next_seq) +
                                                   " was due");
  }
  m_receipt.segments += 1;
  m_receipt.bytes += bytes.size();
  m_receipt.amount = m_receipt.segments * m_price;
  m_receipt.chain = ExtendChain(m_receipt.chain, st.sha256);
  SignReceipt(m_receipt, m_viewer);
  m_next_seq = st.seq + 1;
  return Status::Ok();
}

}  // namespace tollstream
