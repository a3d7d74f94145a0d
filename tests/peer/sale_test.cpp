// The broadcaster's receipt state machine (Sale), without processes, HTTP or
// disks: every verdict a receipt can get in every state of a contract, what
// each leaves behind, when the next segment goes and when the contract
// ends; the checks of an offer's terms and of where it starts; and the
// guard against replayed requests.
#include "peer/broadcast/sale.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/protocol/segment.h"
#include "peer/broadcast/replay_guard.h"

namespace tollstream {
namespace {

constexpr uint64_t kPrice = 3;
constexpr uint64_t kFrom = 5;  // the contract starts at segment 5

struct Parties {
  KeyPair tracker = KeyPair::Generate();
  KeyPair viewer = KeyPair::Generate();
  KeyPair seller = KeyPair::Generate();
  KeyPair stranger = KeyPair::Generate();

  Contract MakeContract(uint64_t max_segments) const {
    Contract c;
    c.terms = ContractTerms{tracker.public_key(),
                            viewer.public_key(),
                            seller.public_key(),
                            "spend",
                            "income",
                            "news",
                            kPrice,
                            max_segments,
                            2'000'000'000,
                            std::string(32, 'a'),
                            {}};
    c.id = c.terms.Id();
    return c;
  }
  SourceSegment Segment(uint64_t seq, const std::string& bytes) const {
    return SourceSegment{SignSegment(seller, "news", seq, bytes, 2000),
                         std::make_shared<const std::string>(bytes), nullptr};
  }
};

// The receipt that restates what `sale` has paid (the viewer asks again).
Receipt Restating(const Sale& sale) {
  Receipt r = sale.paid();
  return r;
}

// The receipt that pays `sale`'s pending segment.
Receipt Paying(const Sale& sale) {
  Receipt r = sale.paid();
  const SegmentStatement& st = sale.pending()->statement;
  r.segments += 1;
  r.bytes += st.size;
  r.amount = r.segments * kPrice;
  r.chain = ExtendChain(r.chain, st.sha256);
  return r;
}

// The states a contract's sale can be in, each reached by the events that
// lead there.
enum class State { kFresh, kSigned, kPending, kPaidOne, kPendingAfterOne, kClosed };

const char* Name(State s) {
  switch (s) {
    case State::kFresh:
      return "fresh (nothing delivered, no receipt yet)";
    case State::kSigned:
      return "signed (the zero receipt accepted)";
    case State::kPending:
      return "pending (segment 5 delivered, unpaid)";
    case State::kPaidOne:
      return "paid one (segment 5 paid)";
    case State::kPendingAfterOne:
      return "pending after one (5 paid, 6 delivered)";
    case State::kClosed:
      return "closed";
  }
  return "?";
}

Sale Reach(const Parties& p, State state) {
  Sale sale(p.MakeContract(/*max_segments=*/10), kFrom);
  if (state == State::kFresh) return sale;
  REQUIRE(sale.OnReceipt(Restating(sale), true).verdict == Sale::Verdict::kProceed);
  if (state == State::kSigned) return sale;
  if (state == State::kClosed) {
    sale.Close();
    return sale;
  }
  sale.Delivered(p.Segment(sale.Due({}), "segment five"));
  if (state == State::kPending) return sale;
  REQUIRE(sale.OnReceipt(Paying(sale), true).verdict == Sale::Verdict::kProceed);
  if (state == State::kPaidOne) return sale;
  sale.Delivered(p.Segment(sale.Due({}), "segment six, longer"));
  return sale;
}

// The receipts a viewer can send, relative to the sale's state.
enum class Sent {
  kRestating,      // what was paid, again
  kPaying,         // what was paid plus the pending segment
  kOtherContract,  // another contract's id
  kOtherViewer,    // another viewer's key
  kWrongAmount,    // amount != segments x price
  kOneTooMany,     // a segment more than delivered
  kWrongBytes,     // the pending segment with another size
  kWrongChain,     // the pending segment with another hash
};

Receipt Make(const Parties& p, const Sale& sale, Sent kind) {
  Receipt r = sale.pending() ? Paying(sale) : Restating(sale);
  switch (kind) {
    case Sent::kRestating:
      return Restating(sale);
    case Sent::kPaying:
      return r;
    case Sent::kOtherContract:
      r.contract = p.MakeContract(11).id;
      return r;
    case Sent::kOtherViewer:
      r.viewer = p.stranger.public_key();
      return r;
    case Sent::kWrongAmount:
      r.amount += 1;
      return r;
    case Sent::kOneTooMany:
      r.segments += 1;
      r.amount = r.segments * kPrice;
      return r;
    case Sent::kWrongBytes:
      r.bytes += 1;
      return r;
    case Sent::kWrongChain:
      r.chain[0] ^= 1;
      return r;
  }
  return r;
}

struct Row {
  State state;
  Sent sent;
  bool pending_sendable;
  Sale::Verdict verdict;
  std::string why;  // a part of the reason given (kInvalid)
  bool pays_pending;
  bool record;
  // Afterwards:
  uint64_t paid_segments;
  bool pending;
  uint64_t next_seq;
};

using V = Sale::Verdict;

TEST_CASE("every receipt in every state: its verdict and what it leaves behind") {
  const std::vector<Row> rows = {
      // A fresh contract: the zero receipt is the first valid one.
      {State::kFresh, Sent::kRestating, true, V::kProceed, "", false, true, 0, false, 5},
      {State::kFresh, Sent::kOneTooMany, true, V::kInvalid, "it reports 1 segments, 0 were", false,
       false, 0, false, 5},
      {State::kFresh, Sent::kOtherContract, true, V::kOtherTerms, "", false, false, 0, false, 5},
      {State::kFresh, Sent::kOtherViewer, true, V::kOtherTerms, "", false, false, 0, false, 5},
      {State::kFresh, Sent::kWrongAmount, true, V::kOtherTerms, "", false, false, 0, false, 5},
      // The zero receipt again: accepted, nothing new to record.
      {State::kSigned, Sent::kRestating, true, V::kProceed, "", false, false, 0, false, 5},
      {State::kSigned, Sent::kWrongBytes, true, V::kInvalid, "it reports 1 bytes, 0 were", false,
       false, 0, false, 5},
      {State::kSigned, Sent::kWrongChain, true, V::kInvalid, "hash chain", false, false, 0, false,
       5},
      // A segment delivered: paying it, asking again, or anything else.
      {State::kPending, Sent::kPaying, true, V::kProceed, "", true, true, 1, false, 6},
      {State::kPending, Sent::kRestating, true, V::kResend, "", false, false, 0, true, 6},
      {State::kPending, Sent::kRestating, false, V::kProceed, "", false, false, 0, false, 5},
      {State::kPending, Sent::kOneTooMany, true, V::kInvalid, "it reports 2 segments, 1 were",
       false, false, 0, true, 6},
      {State::kPending, Sent::kWrongBytes, true, V::kInvalid, "bytes", false, false, 0, true, 6},
      {State::kPending, Sent::kWrongChain, true, V::kInvalid, "hash chain", false, false, 0, true,
       6},
      {State::kPending, Sent::kWrongAmount, true, V::kOtherTerms, "", false, false, 0, true, 6},
      {State::kPending, Sent::kOtherViewer, true, V::kOtherTerms, "", false, false, 0, true, 6},
      {State::kPending, Sent::kOtherContract, true, V::kOtherTerms, "", false, false, 0, true, 6},
      // One paid, none pending: only the same receipt again passes.
      {State::kPaidOne, Sent::kRestating, true, V::kProceed, "", false, false, 1, false, 6},
      {State::kPaidOne, Sent::kOneTooMany, true, V::kInvalid, "it reports 2 segments, 1 were",
       false, false, 1, false, 6},
      // The second segment pending.
      {State::kPendingAfterOne, Sent::kPaying, true, V::kProceed, "", true, true, 2, false, 7},
      {State::kPendingAfterOne, Sent::kRestating, true, V::kResend, "", false, false, 1, true, 7},
      {State::kPendingAfterOne, Sent::kRestating, false, V::kProceed, "", false, false, 1, false,
       6},
      {State::kPendingAfterOne, Sent::kWrongChain, true, V::kInvalid, "hash chain", false, false, 1,
       true, 7},
      // Closed: nothing passes, not even a valid receipt.
      {State::kClosed, Sent::kRestating, true, V::kClosed, "", false, false, 0, false, 5},
      {State::kClosed, Sent::kOtherViewer, true, V::kClosed, "", false, false, 0, false, 5},
  };
  Parties p;
  for (const Row& row : rows) {
    Sale sale = Reach(p, row.state);
    Receipt receipt = Make(p, sale, row.sent);
    CAPTURE(Name(row.state));
    CAPTURE(static_cast<int>(row.sent));
    CAPTURE(row.pending_sendable);
    Sale::Check check = sale.OnReceipt(receipt, row.pending_sendable);
    CHECK(check.verdict == row.verdict);
    CHECK(check.why.find(row.why) != std::string::npos);
    CHECK(check.why.empty() == row.why.empty());
    CHECK(check.pays_pending == row.pays_pending);
    CHECK(check.record == row.record);
    CHECK(sale.paid().segments == row.paid_segments);
    CHECK(sale.pending().has_value() == row.pending);
    CHECK(sale.next_seq() == row.next_seq);
    if (row.record) {
      CHECK(sale.paid_signed());
      CHECK(sale.paid().chain == receipt.chain);
    }
  }
}

TEST_CASE("a refused receipt changes nothing; a pending segment unsendable is due again") {
  Parties p;
  Sale sale = Reach(p, State::kPendingAfterOne);
  Receipt paid_before = sale.paid();
  CHECK(sale.OnReceipt(Make(p, sale, Sent::kWrongBytes), true).verdict == V::kInvalid);
  CHECK(sale.paid().chain == paid_before.chain);
  CHECK(sale.pending()->statement.seq == 6);
  // Its bytes changed and none are in memory: asked again, 6 goes as it is now.
  CHECK(sale.OnReceipt(Restating(sale), false).verdict == V::kProceed);
  CHECK_FALSE(sale.pending().has_value());
  CHECK(sale.Due({}) == 6);
  sale.Delivered(p.Segment(6, "segment six, rewritten"));
  CHECK(sale.OnReceipt(Paying(sale), true).pays_pending);
  CHECK(sale.paid().segments == 2);
  CHECK(sale.paid().amount == 2 * kPrice);
}

TEST_CASE("the segment due follows the source's window; when the sale ends") {
  Parties p;
  Sale sale(p.MakeContract(/*max_segments=*/2), kFrom);
  // Rolled out of a live window: the first held is due.
  CHECK(sale.Due(SourceInfo{true, 9, 12, false, false, 2}) == 9);
  CHECK(sale.Due(SourceInfo{true, 3, 12, false, false, 2}) == 9);  // never back
  CHECK(sale.Due(SourceInfo{}) == 9);                              // nothing held: unchanged
  // Nothing to send yet: wait while the stream goes on.
  CHECK_FALSE(sale.EndReason(SourceInfo{true, 9, 8, false, false, 2}).has_value());
  CHECK_FALSE(sale.EndReason(SourceInfo{}).has_value());
  // The stream ended before the segment due, or with nothing held.
  CHECK(sale.EndReason(SourceInfo{true, 3, 8, true, false, 2}) == "the stream ended");
  CHECK(sale.EndReason(SourceInfo{false, 0, 0, true, false, 2}) == "the stream ended");
  CHECK_FALSE(sale.EndReason(SourceInfo{true, 3, 9, true, false, 2}).has_value());
  // Every segment of the contract paid: it ends, whatever the stream does.
  REQUIRE(sale.OnReceipt(Restating(sale), true).record);
  for (uint64_t seq : {9, 10}) {
    CHECK_FALSE(sale.AllPaid());
    sale.Delivered(p.Segment(seq, "segment " + std::to_string(seq)));
    CHECK(sale.OnReceipt(Paying(sale), true).pays_pending);
  }
  CHECK(sale.AllPaid());
  CHECK(sale.EndReason(SourceInfo{true, 9, 50, false, false, 2}) ==
        "the contract's segments are all delivered");
}

TEST_CASE("the viewer leaves: a final receipt pays the pending segment or nothing") {
  Parties p;
  SUBCASE("it pays the pending segment") {
    Sale sale = Reach(p, State::kPendingAfterOne);
    CHECK(sale.QuietReason() == "no receipt for the last segment delivered");
    CHECK(sale.OnFinalReceipt(Paying(sale)));
    CHECK(sale.paid().segments == 2);
    CHECK(sale.QuietReason() == "the viewer went quiet");
  }
  SUBCASE("anything else leaves the last valid receipt") {
    for (Sent kind : {Sent::kRestating, Sent::kWrongBytes, Sent::kWrongChain, Sent::kWrongAmount,
                      Sent::kOtherViewer, Sent::kOtherContract, Sent::kOneTooMany}) {
      Sale sale = Reach(p, State::kPendingAfterOne);
      CAPTURE(static_cast<int>(kind));
      CHECK_FALSE(sale.OnFinalReceipt(Make(p, sale, kind)));
      CHECK(sale.paid().segments == 1);
    }
  }
  SUBCASE("nothing pending, or closed: nothing to pay") {
    Sale paid_one = Reach(p, State::kPaidOne);
    CHECK_FALSE(paid_one.OnFinalReceipt(Restating(paid_one)));
    Sale closed = Reach(p, State::kPending);
    Receipt paying = Paying(closed);
    closed.Close();
    CHECK_FALSE(closed.OnFinalReceipt(paying));
    CHECK(closed.paid().segments == 0);
  }
}

TEST_CASE("an offer's terms: each refusal") {
  Parties p;
  SaleTerms ours{p.tracker.public_key(), p.seller.public_key(), "income", "news", kPrice, {}};
  ContractTerms good = p.MakeContract(10).terms;
  CHECK(CheckOffer(good, p.viewer.public_key(), ours).ok());
  ContractTerms higher = good;
  higher.price = kPrice + 1;
  CHECK(CheckOffer(higher, p.viewer.public_key(), ours).ok());

  struct Case {
    std::function<void(ContractTerms&)> change;
    bool from_stranger;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {[](ContractTerms&) {}, true, ErrorCode::kForbidden, "must come from the contract's viewer"},
      {[&](ContractTerms& t) { t.tracker = p.stranger.public_key(); }, false,
       ErrorCode::kWrongTracker, "another tracker"},
      {[&](ContractTerms& t) { t.broadcaster = p.stranger.public_key(); }, false,
       ErrorCode::kConflict, "another broadcaster"},
      {[](ContractTerms& t) { t.income_address = "elsewhere"; }, false, ErrorCode::kConflict,
       "pays to elsewhere"},
      {[](ContractTerms& t) { t.stream = "other"; }, false, ErrorCode::kConflict,
       "sells news, not other"},
      {[](ContractTerms& t) { t.price = kPrice - 1; }, false, ErrorCode::kConflict,
       "price 2 is below this node's price 3"},
  };
  for (const Case& c : cases) {
    ContractTerms t = good;
    c.change(t);
    Status s =
        CheckOffer(t, c.from_stranger ? p.stranger.public_key() : p.viewer.public_key(), ours);
    CAPTURE(c.message);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == c.code);
    CHECK(s.error().message.find(c.message) != std::string::npos);
  }
}

TEST_CASE("renditions: what may be offered, and receipts that count each segment's") {
  Parties p;
  const std::vector<RenditionPrice> sold = {{"hd", 3}, {"sd", 1}};
  SaleTerms ladder{p.tracker.public_key(), p.seller.public_key(), "income", "news", 3, sold};
  SaleTerms single{p.tracker.public_key(), p.seller.public_key(), "income", "news", 3, {}};
  Contract k = p.MakeContract(10);
  k.terms.renditions = sold;
  k.id = k.terms.Id();
  const PublicKey viewer = p.viewer.public_key();
  CHECK(CheckOffer(k.terms, viewer, ladder).ok());
  ContractTerms low_only = k.terms;
  low_only.renditions = {{"sd", 1}};
  low_only.price = 1;
  CHECK(CheckOffer(low_only, viewer, ladder).ok());
  CHECK(CheckOffer(p.MakeContract(10).terms, viewer, ladder).ok());  // no renditions: the top one
  auto refused = [&](ContractTerms t, const SaleTerms& ours, const std::string& says) {
    Status s = CheckOffer(t, viewer, ours);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == ErrorCode::kConflict);
    CHECK_MESSAGE(s.error().message.find(says) != std::string::npos, s.error().message);
  };
  refused(k.terms, single, "in one rendition");
  ContractTerms unknown = k.terms;
  unknown.renditions.push_back({"uhd", 3});
  refused(unknown, ladder, "no rendition uhd");
  ContractTerms cheap = k.terms;
  cheap.renditions[1].price = 0;
  refused(cheap, ladder, "price 0 for sd is below this node's price 1");

  Sale sale(k, kFrom);
  Receipt zero = sale.paid();
  CHECK(sale.OnReceipt(zero, false).verdict == Sale::Verdict::kProceed);
  // Segment 5 of hd, then segment 6 of sd.
  auto deliver = [&](uint64_t seq, const std::string& rendition) {
    std::string bytes = rendition + std::to_string(seq);
    sale.Delivered(SourceSegment{SignSegment(p.seller, "news", seq, bytes, 2000, false, rendition),
                                 std::make_shared<const std::string>(bytes), nullptr});
  };
  auto paying = [&](uint8_t index, std::vector<uint64_t> counts) {
    Receipt r = sale.paid();
    const SegmentStatement& st = sale.pending()->statement;
    r.segments += 1;
    r.bytes += st.size;
    r.counts = std::move(counts);
    r.amount = *k.terms.Cost(r.segments, r.counts);
    r.chain = ExtendChain(r.chain, st.sha256, index);
    return r;
  };
  deliver(sale.Due(SourceInfo{true, 5, 9, false, false, 2}), "hd");
  Receipt as_low = paying(1, {0, 1});  // the hd segment paid as sd
  CHECK(sale.OnReceipt(as_low, true).verdict == Sale::Verdict::kInvalid);
  CHECK(sale.OnReceipt(as_low, true).why ==
        "its counts do not match the renditions of the segments delivered");
  Receipt plain_chain = paying(0, {1, 0});
  plain_chain.chain = ExtendChain(sale.paid().chain, sale.pending()->statement.sha256);
  CHECK(sale.OnReceipt(plain_chain, true).why ==
        "its hash chain does not match the segments delivered");
  Receipt underpaid = paying(0, {1, 0});
  underpaid.amount = 1;
  CHECK(sale.OnReceipt(underpaid, true).verdict == Sale::Verdict::kOtherTerms);
  Receipt right = paying(0, {1, 0});
  auto paid = sale.OnReceipt(right, true);
  CHECK(paid.verdict == Sale::Verdict::kProceed);
  CHECK(paid.pays_pending);
  deliver(6, "sd");
  Receipt second = paying(1, {1, 1});
  CHECK(second.amount == 4);
  CHECK(sale.OnReceipt(second, true).pays_pending);
  CHECK(sale.paid().counts == std::vector<uint64_t>{1, 1});
}

TEST_CASE("where a contract starts") {
  SourceInfo live{true, 10, 20, false, false, 2};
  CHECK(FirstSegment(std::nullopt, live).value() == 10);
  CHECK(FirstSegment(15, live).value() == 15);
  CHECK(FirstSegment(3, live).value() == 10);   // rolled out: the first held
  CHECK(FirstSegment(21, live).value() == 21);  // the next to come
  CHECK(FirstSegment(22, live).error().message.find("beyond the stream (last 20)") !=
        std::string::npos);
  SourceInfo ended{true, 10, 20, true, false, 2};
  CHECK(FirstSegment(20, ended).value() == 20);
  CHECK(FirstSegment(21, ended).error().code == ErrorCode::kConflict);
  CHECK(FirstSegment(std::nullopt, SourceInfo{}).error().message.find("no segments yet") !=
        std::string::npos);
}

TEST_CASE("replayed requests are refused; the last one sent again passes") {
  ReplayGuard guard;
  Hash256 a{}, b{};
  a[0] = 1;
  b[0] = 2;
  CHECK(guard.Admit(a, "n1", 100, 0).ok());
  CHECK(guard.Admit(a, "n1", 100, 0).ok());  // a retry of the last request
  CHECK(guard.Admit(b, "n2", 101, 0).ok());
  Status replay = guard.Admit(a, "n1", 100, 0);  // no longer the last: a replay
  REQUIRE_FALSE(replay.ok());
  CHECK(replay.error().code == ErrorCode::kDuplicate);
  Hash256 c{};
  c[0] = 3;
  CHECK(guard.Admit(c, "n2", 102, 0).error().code == ErrorCode::kDuplicate);  // nonce reused

  // Once full, nonces older than the horizon are forgotten, newer ones kept.
  ReplayGuard full;
  for (size_t i = 1; i <= ReplayGuard::kKeep; ++i) {  // from 1: an id of zeros is no request
    Hash256 id{};
    id[0] = static_cast<uint8_t>(i);
    id[1] = static_cast<uint8_t>(i >> 8);
    REQUIRE(full.Admit(id, "old" + std::to_string(i), i < 10 ? 5 : 500, 0).ok());
  }
  Hash256 next{};
  next[5] = 1;
  CHECK(full.Admit(next, "new", 600, /*stale_before=*/100).ok());
  Hash256 again{};
  again[6] = 1;
  CHECK(full.Admit(again, "old3", 5, 100).ok());  // forgotten: refused as stale elsewhere
  Hash256 other{};
  other[7] = 1;
  CHECK(full.Admit(other, "old20", 500, 100).error().code == ErrorCode::kDuplicate);
}

}  // namespace
}  // namespace tollstream
