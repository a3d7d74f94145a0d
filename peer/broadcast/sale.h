// One contract's sale to its viewer, as a state machine: what may open a
// contract, what a receipt may be, when the next segment may go, and when
// and why the contract closes. Pure: no I/O, no clock, no lock (the
// broadcaster holds the contract's lock around it and does the sending,
// recording and settling that it decides).
//
// The rules:
//   - at most one delivered segment is ever unpaid (the pending one): the
//     next goes only after a receipt that pays for it;
//   - a receipt must fit the contract (its id, its viewer, an amount of
//     exactly what its segments cost: segments x price, or under renditions
//     each one's count x its price) and cover exactly what was delivered
//     (under renditions, its counts and chain name each segment's): all
//     of it (it pays the pending segment), or all but the pending segment
//     (its answer was lost: the same segment is sent again);
//   - any other receipt closes the contract at the last valid receipt;
//   - the contract closes when all its segments are paid, when the stream
//     ends, when the viewer leaves, or when it goes quiet;
//   - a closed sale accepts nothing.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "peer/broadcast/segment_supply.h"

namespace tollstream {

// What a seller sells, against which an offer's terms are checked.
struct SaleTerms {
  PublicKey tracker;
  PublicKey seller;
  std::string income_address;
  std::string stream;
  uint64_t price = 0;  // the top rendition's, when there are several
  // The renditions sold and their prices (none: one quality at `price`).
  std::vector<RenditionPrice> renditions;
};

// Whether a contract offered by `signer` suits `ours`. Errors: kForbidden
// (not the contract's viewer), kWrongTracker, kConflict (another seller,
// income address or stream; a price below ours; renditions where we sell
// one, or one we do not sell or below its price). A contract without
// renditions may buy a stream sold in several: it buys the top one.
Status CheckOffer(const ContractTerms& offered, const PublicKey& signer, const SaleTerms& ours);

// The segment a new contract starts at: `from` (default: the first held),
// moved up to the first held. Errors: kConflict when nothing is held yet,
// or `from` lies beyond the stream.
Result<uint64_t> FirstSegment(std::optional<uint64_t> from, const SourceInfo& held);

class Sale {
 public:
  // A sale of `contract` from segment `from`: nothing delivered, nothing paid.
  Sale(const Contract& contract, uint64_t from);

  enum class Verdict {
    kClosed,      // the sale is closed: refused, nothing changes
    kOtherTerms,  // the receipt is for other terms: close at the last valid receipt
    kInvalid,     // it does not cover what was delivered: close likewise
    kResend,      // it repeats the paid state while a segment is pending: send it again
    kProceed,     // accepted: go on to the next segment
  };
  struct Check {
    Verdict verdict = Verdict::kClosed;
    std::string why;            // kInvalid: what does not match
    bool pays_pending = false;  // kProceed: it paid the segment delivered last
    bool record = false;        // kProceed: a receipt newly valid, to be recorded
  };
  // A receipt sent with a request for the next segment. `pending_sendable`:
  // whether the pending segment can still be sent as it was signed; when it
  // cannot, a receipt that repeats the paid state makes that segment due
  // again, to go as it is now.
  Check OnReceipt(const Receipt& receipt, bool pending_sendable);

  // The segment due next, moved past those that left the window `held`.
  uint64_t Due(const SourceInfo& held);
  // `segment`, the one Due() named, goes to the viewer: unpaid until the
  // next receipt, and the segment after it is due. Under renditions its
  // statement names one of the terms' (the caller sends no other).
  void Delivered(const SourceSegment& segment);
  // With no segment to send: why the contract ends now, or nullopt to wait.
  std::optional<std::string> EndReason(const SourceInfo& held) const;
  // Whether every segment the contract covers is paid.
  bool AllPaid() const { return m_paid.segments >= m_terms.max_segments; }

  // The viewer leaves with `receipt`, which may pay the pending segment;
  // returns whether it did. A receipt that pays nothing new changes nothing.
  bool OnFinalReceipt(const Receipt& receipt);
  // Why a contract whose viewer went quiet is closed.
  std::string QuietReason() const;
  void Close() { m_closed = true; }

  bool closed() const { return m_closed; }
  // The last valid receipt (a zero receipt, unsigned, before the first).
  const Receipt& paid() const { return m_paid; }
  bool paid_signed() const { return m_paid_signed; }
  const std::optional<SourceSegment>& pending() const { return m_pending; }
  uint64_t next_seq() const { return m_next_seq; }

 private:
  bool FitsTerms(const Receipt& r) const;
  // Whether `r` covers what was paid, plus the pending segment when asked.
  bool Covers(const Receipt& r, bool with_pending) const;
  // Why `r` is not the receipt that pays the pending segment (or restates the paid state).
  std::string Mismatch(const Receipt& r) const;
  void Accept(const Receipt& r);
  // `counts` with one count per rendition of the terms (none without renditions).
  std::vector<uint64_t> Whole(std::vector<uint64_t> counts) const;
  // The counts and chain of the paid state with the pending segment added.
  std::vector<uint64_t> CountsWithPending() const;
  Hash256 ChainWithPending() const;

  ContractTerms m_terms;
  Hash256 m_id{};
  Receipt m_paid;
  bool m_paid_signed = false;
  std::optional<SourceSegment> m_pending;
  uint8_t m_pending_rendition = 0;  // its index in the terms' renditions
  uint64_t m_next_seq = 0;
  bool m_closed = false;
};

}  // namespace tollstream
