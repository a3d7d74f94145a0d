#include "peer/broadcast/sale.h"

#include <algorithm>
#include <string>

#include "common/protocol/segment.h"

namespace tollstream {
namespace {

Error Refuse(std::string message) {
  return MakeError(ErrorCode::kConflict, std::move(message));
}

}  // namespace

Status CheckOffer(const ContractTerms& t, const PublicKey& signer, const SaleTerms& ours) {
  if (t.viewer != signer) {
    return MakeError(ErrorCode::kForbidden, "the offer must come from the contract's viewer");
  }
  if (t.tracker != ours.tracker) {
    return MakeError(ErrorCode::kWrongTracker,
                     "the contract names another tracker than this node's");
  }
  if (t.broadcaster != ours.seller) return Refuse("the contract names another broadcaster");
  if (t.income_address != ours.income_address) {
    return Refuse("the contract pays to " + t.income_address + ", this node's income address is " +
                  ours.income_address);
  }
  if (t.stream != ours.stream)
    return Refuse("this node sells " + ours.stream + ", not " + t.stream);
  if (t.renditions.empty() && t.price < ours.price) {
    return Refuse("price " + std::to_string(t.price) + " is below this node's price " +
                  std::to_string(ours.price));
  }
  if (!t.renditions.empty() && ours.renditions.empty()) {
    return Refuse("this node sells " + ours.stream + " in one rendition: offer no renditions");
  }
  for (const RenditionPrice& offered : t.renditions) {
    auto sold = std::find_if(ours.renditions.begin(), ours.renditions.end(),
                             [&](const RenditionPrice& r) { return r.name == offered.name; });
    if (sold == ours.renditions.end()) {
      return Refuse("this node sells no rendition " + offered.name + " of " + ours.stream);
    }
    if (offered.price < sold->price) {
      return Refuse("price " + std::to_string(offered.price) + " for " + offered.name +
                    " is below this node's price " + std::to_string(sold->price));
    }
  }
  return Status::Ok();
}

Result<uint64_t> FirstSegment(std::optional<uint64_t> from, const SourceInfo& held) {
  if (!held.available) return Refuse("the stream has no segments yet; try again shortly");
  uint64_t start = std::max(from.value_or(held.first), held.first);
  if (start > held.last + 1 || (held.ended && start > held.last)) {
    return Refuse("segment " + std::to_string(start) + " is beyond the stream (last " +
                  std::to_string(held.last) + ")");
  }
  return start;
}

Sale::Sale(const Contract& contract, uint64_t from)
    : m_terms(contract.terms), m_id(contract.id), m_next_seq(from) {
  m_paid.contract = contract.id;
  m_paid.viewer = contract.terms.viewer;
  m_paid.chain = contract.id;
}

bool Sale::FitsTerms(const Receipt& r) const {
  if (r.contract != m_id || r.viewer != m_terms.viewer) return false;
  auto cost = m_terms.Cost(r.segments, r.counts);
  return cost && *cost == r.amount;
}

std::vector<uint64_t> Sale::Whole(std::vector<uint64_t> counts) const {
  counts.resize(m_terms.renditions.size(), 0);
  return counts;
}

std::vector<uint64_t> Sale::CountsWithPending() const {
  std::vector<uint64_t> counts = Whole(m_paid.counts);
  if (!counts.empty()) counts[m_pending_rendition] += 1;
  return counts;
}

Hash256 Sale::ChainWithPending() const {
  const SegmentStatement& st = m_pending->statement;
  if (m_terms.renditions.empty()) return ExtendChain(m_paid.chain, st.sha256);
  return ExtendChain(m_paid.chain, st.sha256, m_pending_rendition);
}

bool Sale::Covers(const Receipt& r, bool with_pending) const {
  if (!with_pending) {
    return r.segments == m_paid.segments && r.bytes == m_paid.bytes && r.chain == m_paid.chain &&
           Whole(r.counts) == Whole(m_paid.counts);
  }
  const SegmentStatement& st = m_pending->statement;
  return r.segments == m_paid.segments + 1 && r.bytes == m_paid.bytes + st.size &&
         r.chain == ChainWithPending() && Whole(r.counts) == CountsWithPending();
}

std::string Sale::Mismatch(const Receipt& r) const {
  uint64_t segments = m_paid.segments;
  uint64_t bytes = m_paid.bytes;
  Hash256 chain = m_paid.chain;
  std::vector<uint64_t> counts = Whole(m_paid.counts);
  if (m_pending) {
    segments += 1;
    bytes += m_pending->statement.size;
    chain = ChainWithPending();
    counts = CountsWithPending();
  }
  if (r.segments != segments) {
    return "it reports " + std::to_string(r.segments) + " segments, " + std::to_string(segments) +
           " were delivered";
  }
  if (r.bytes != bytes) {
    return "it reports " + std::to_string(r.bytes) + " bytes, " + std::to_string(bytes) +
           " were delivered";
  }
  if (Whole(r.counts) != counts) {
    return "its counts do not match the renditions of the segments delivered";
  }
  if (r.chain != chain) return "its hash chain does not match the segments delivered";
  return "it does not match";
}

void Sale::Accept(const Receipt& r) {
  m_paid = r;
  m_paid_signed = true;
  m_pending.reset();
}

Sale::Check Sale::OnReceipt(const Receipt& r, bool pending_sendable) {
  if (m_closed) return {Verdict::kClosed, {}};
  if (!FitsTerms(r)) return {Verdict::kOtherTerms, {}};
  Check check{Verdict::kProceed, {}};
  if (m_pending && Covers(r, /*with_pending=*/true)) {
    check.pays_pending = true;
  } else if (!Covers(r, /*with_pending=*/false)) {
    return {Verdict::kInvalid, Mismatch(r)};
  } else if (m_pending && pending_sendable) {
    return {Verdict::kResend, {}};
  } else if (m_pending) {
    m_next_seq = m_pending->statement.seq;  // due again, as it is now
    m_pending.reset();
  }
  check.record = check.pays_pending || !m_paid_signed;
  if (check.record) Accept(r);
  return check;
}

uint64_t Sale::Due(const SourceInfo& held) {
  if (held.available && m_next_seq < held.first) m_next_seq = held.first;
  return m_next_seq;
}

void Sale::Delivered(const SourceSegment& segment) {
  m_pending = segment;
  m_pending_rendition =
      static_cast<uint8_t>(m_terms.Rendition(segment.statement.rendition).value_or(0));
  m_next_seq += 1;
}

std::optional<std::string> Sale::EndReason(const SourceInfo& held) const {
  if (AllPaid()) return std::string(kEndAllDelivered);
  if (held.ended && (!held.available || m_next_seq > held.last))
    return std::string(kEndStreamEnded);
  return std::nullopt;
}

bool Sale::OnFinalReceipt(const Receipt& r) {
  if (m_closed || !m_pending || !FitsTerms(r) || !Covers(r, /*with_pending=*/true)) return false;
  Accept(r);
  return true;
}

std::string Sale::QuietReason() const {
  return m_pending ? "no receipt for the last segment delivered" : "the viewer went quiet";
}

}  // namespace tollstream
