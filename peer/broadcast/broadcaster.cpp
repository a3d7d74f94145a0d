#include "peer/broadcast/broadcaster.h"

#include <algorithm>
#include <chrono>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/client/tracker_api.h"
#include "common/observe/log.h"
#include "common/wire/fields.h"
#include "peer/broadcast/broadcaster_session.h"

namespace tollstream {
namespace {

Error Refuse(std::string message) {
  return MakeError(ErrorCode::kConflict, std::move(message));
}

void DeclareMetrics(Metrics& m) {
  m.DeclareCounter("tollstream_broadcaster_segments_served_total",
                   "Segments sent to viewers (resends included).");
  m.DeclareCounter("tollstream_broadcaster_bytes_served_total",
                   "Bytes of the segments sent to viewers.");
  m.DeclareCounter("tollstream_broadcaster_receipts_accepted_total",
                   "Receipts that paid for a delivered segment.");
  m.DeclareCounter("tollstream_broadcaster_receipts_rejected_total",
                   "Receipts refused: a bad signature, other terms, or not what was delivered.");
  m.DeclareCounter("tollstream_broadcaster_contracts_opened_total",
                   "Contracts opened at the tracker.");
  m.DeclareCounter("tollstream_broadcaster_contracts_closed_total",
                   "Contracts settled at the tracker.");
  m.DeclareCounter("tollstream_broadcaster_tokens_earned_total",
                   "Tokens the tracker paid: opening charges, and settled contracts.");
}

}  // namespace

void Broadcaster::Event(const std::string& line) {
  LogInfo(line);
  if (m_config.on_event) m_config.on_event(line);
}

Broadcaster::Broadcaster(KeyPair key, std::unique_ptr<TrackerClient> tracker, SegmentSupply& source,
                         ReceiptStore& store, BroadcasterConfig config)
    : m_key(std::move(key)),
      m_clock_offset(tracker->clock_offset()),
      m_tracker(std::move(tracker), config.tracker_clients),
      m_tracker_key(m_tracker.tracker()),
      m_source(source),
      m_store(store),
      m_config(std::move(config)),
      m_metrics(m_config.metrics ? *m_config.metrics : m_own_metrics),
      m_served((DeclareMetrics(m_metrics),
                m_metrics.counter("tollstream_broadcaster_segments_served_total"))),
      m_served_bytes(m_metrics.counter("tollstream_broadcaster_bytes_served_total")),
      m_receipts_accepted(m_metrics.counter("tollstream_broadcaster_receipts_accepted_total")),
      m_receipts_rejected(m_metrics.counter("tollstream_broadcaster_receipts_rejected_total")),
      m_opened(m_metrics.counter("tollstream_broadcaster_contracts_opened_total")),
      m_closed(m_metrics.counter("tollstream_broadcaster_contracts_closed_total")),
      m_earned(m_metrics.counter("tollstream_broadcaster_tokens_earned_total")),
      m_api(ServiceRules{m_key, m_tracker_key, m_config.max_clock_skew, m_clock_offset, {}}) {
  m_api.AddMethod("stream", [this](const Request& req) { return StreamInfo(req); });
  m_api.AddMethod("probe", [this](const Request& req) { return Probe(req); });
  m_api.AddMethod("offer", [this](const Request& req) { return Offer(req); });
  m_api.AddHandler("segment", [this](Call& call) { return Segment(call.request()); });
  m_api.AddMethod("close", [this](const Request& req) { return Close(req); });
  m_metrics.DeclareGauge("tollstream_broadcaster_contracts_open",
                         "Contracts open with viewers now.", [this] {
                           std::lock_guard lock(m_mutex);
                           return static_cast<double>(m_sessions.size());
                         });
}

int64_t Broadcaster::Now() const {
  return UnixNow() + m_clock_offset;
}

Answer Broadcaster::Sign(std::string_view method, const std::optional<Hash256>& request, int status,
                         json result) {
  return m_api.Sign(
      ResponseBody(method, m_key.public_key(), request, Now(), status, std::move(result)));
}

Answer Broadcaster::ErrorAnswer(std::string_view method, const Error& error,
                                const std::optional<Hash256>& request) {
  return m_api.SignError(method, error, request);
}

Result<json> Broadcaster::Probe(const Request& req) {
  ObjectReader r(req.params, "params");
  uint64_t size = r.Amount("size");
  if (r.ok() && size > kMaxProbeBytes)
    r.Fail("size", "must be at most " + std::to_string(kMaxProbeBytes));
  if (Status s = r.Finish(); !s) return s.error();
  return json{{"size", size}, {"pad", std::string(size, 'p')}};
}

Result<json> Broadcaster::Offer(const Request& req) {
  ObjectReader r(req.params, "params");
  const json& contract_json = r.Object("contract");
  std::optional<uint64_t> from;
  if (r.Has("from")) from = r.Amount("from");
  if (Status s = r.Finish(); !s) return s.error();
  auto contract = ParseContract(contract_json, ContractSigs::kViewer, "params.contract");
  if (!contract) return contract.error();
  SaleTerms ours{m_tracker_key,   m_key.public_key(), m_config.income_address,
                 m_config.stream, m_config.price,     {}};
  for (const OfferedRendition& sold : m_config.renditions) {
    ours.renditions.push_back({sold.spec.name, sold.spec.price});
  }
  if (Status s = CheckOffer(contract->terms, req.signer, ours); !s) return s.error();
  std::string id = ToHex(contract->id);
  if (auto again = ClaimOffer(id)) return std::move(*again);
  struct OpeningGuard {
    Broadcaster* self;
    std::string id;
    ~OpeningGuard() {
      std::lock_guard lock(self->m_mutex);
      self->m_opening.erase(id);
    }
  } opening{this, id};
  return OpenSale(std::move(*contract), from);
}

std::optional<Result<json>> Broadcaster::ClaimOffer(const std::string& id) {
  std::shared_ptr<Session> existing;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_sessions.find(id);
    if (it != m_sessions.end()) existing = it->second;
  }
  // A session's lock is never taken under m_mutex: Settle takes them the
  // other way round.
  if (existing) {
    std::lock_guard session_lock(existing->mutex);
    if (!existing->offer_answer.is_null()) return Result<json>(existing->offer_answer);
  }
  std::lock_guard lock(m_mutex);
  // Under m_mutex, as Drain sets it: an offer is either refused here or
  // waited for by Drain.
  if (m_stopping) {
    return Result<json>(MakeError(ErrorCode::kUnavailable, "this node is stopping"));
  }
  if (m_sessions.count(id) > 0 || !m_opening.insert(id).second) {
    return Result<json>(
        MakeError(ErrorCode::kBusy, "this offer is being opened; ask again shortly"));
  }
  return std::nullopt;
}

Result<json> Broadcaster::OpenSale(Contract contract, std::optional<uint64_t> from) {
  const ContractTerms& t = contract.terms;
  if (t.expires < Now() + m_config.min_contract_seconds) {
    return Refuse("the contract expires too soon");
  }
  (void)m_source.Refresh();
  auto start = FirstSegment(from, m_source.Info());
  if (!start) return start.error();

  SignAsBroadcaster(contract, m_key);
  json signed_contract = contract.ToJson();  // both signatures
  std::string id = ToHex(contract.id);
  // On disk before it is open, so that a crash never leaves an open contract unrecorded.
  if (Status s = m_store.Save({id, signed_contract, nullptr}); !s) {
    return MakeError(ErrorCode::kUnavailable,
                     "this node cannot record contracts: " + s.error().message);
  }
  auto opened =
      WithTracker([&](TrackerClient& c) { return TrackerApi(c).OpenContract(signed_contract); });
  if (!opened) {
    // Forget it only when the tracker said no; after no answer it may be
    // open, and the record lets CloseStored settle it on the next start.
    if (opened.error().code != ErrorCode::kUpstream) (void)m_store.Remove(id);
    Error e = opened.error();
    e.message = "the tracker refused the contract: " + e.message;
    return e;
  }
  auto session = std::make_shared<Session>(contract, std::move(signed_contract), *start);
  session->last_heard = SteadyMillis();
  session->offer_answer = json{{"contract", session->contract_json},
                               {"confirmation", opened->signed_body},
                               {"from", *start}};
  uint64_t charged = opened->result.value("charged", uint64_t{0});
  {
    std::lock_guard lock(m_mutex);
    m_sessions[id] = session;
    ++m_totals.contracts;
    m_totals.earned += charged;
  }
  m_opened.Add();
  m_earned.Add(charged);
  Event("contract " + id + " opened with viewer " + KeyCode(t.viewer) + ": up to " +
        std::to_string(t.max_segments) + " segments at " + std::to_string(t.price) +
        ", from segment " + std::to_string(*start) + "; opening charge " + std::to_string(charged));
  return session->offer_answer;
}

Result<std::shared_ptr<Broadcaster::Session>> Broadcaster::FindSession(const Request& req,
                                                                       const std::string& id) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(m_mutex);
    auto it = m_sessions.find(id);
    if (it == m_sessions.end()) {
      return MakeError(ErrorCode::kNotFound,
                       "no open contract " + id + " here (closed or unknown)");
    }
    session = it->second;
  }
  if (session->contract.terms.viewer != req.signer) {
    return MakeError(ErrorCode::kForbidden, "contract " + id + " belongs to another viewer");
  }
  return session;
}

Answer Broadcaster::Segment(const Request& req) {
  auto fail = [&](const Error& e) { return ErrorAnswer("segment", e, req.id); };
  ObjectReader r(req.params, "params");
  std::string id = r.HexString("contract", 32);
  const json& receipt_json = r.Object("receipt");
  std::string rendition = r.Has("rendition") ? r.Name("rendition") : "";
  if (Status s = r.Finish(); !s) return fail(s.error());
  auto found = FindSession(req, id);
  if (!found) return fail(found.error());
  Session& s = **found;
  auto supply = SupplyFor(s, rendition);
  if (!supply) return fail(supply.error());
  auto receipt = ParseReceipt(receipt_json, "params.receipt");
  if (!receipt) {
    m_receipts_rejected.Add();
    return fail(receipt.error());
  }

  std::lock_guard lock(s.mutex);
  if (s.sale.closed()) return fail(Refuse("contract " + id + " is closed"));
  if (Status fresh = Admit(s, req); !fresh) return fail(fresh.error());
  s.last_heard = SteadyMillis();
  const auto& pending = s.sale.pending();
  Sale::Check check = s.sale.OnReceipt(*receipt, pending && pending->Sendable());
  switch (check.verdict) {
    case Sale::Verdict::kClosed:
      return fail(Refuse("contract " + id + " is closed"));
    case Sale::Verdict::kOtherTerms:
      m_receipts_rejected.Add();
      Settle(s, "the viewer sent a receipt for other terms");
      return fail(Refuse(
          "the receipt does not fit the contract; contract closed at the last valid receipt"));
    case Sale::Verdict::kInvalid:
      m_receipts_rejected.Add();
      Settle(s, "invalid receipt: " + check.why);
      return fail(
          Refuse("invalid receipt (" + check.why + "); contract closed at the last valid receipt"));
    case Sale::Verdict::kResend:
      // The viewer asks again with the receipt it sent before: the answer
      // carrying the pending segment was lost. Send the same segment again.
      return Send(*found, *pending);
    case Sale::Verdict::kProceed:
      break;
  }
  if (check.pays_pending) m_receipts_accepted.Add();
  if (check.record) {
    // Written while the next segment travels (see Delivery).
    auto ticket = m_store.Queue({s.id, s.contract_json, s.sale.paid().ToJson()});
    if (!ticket) return fail(CannotRecord(s, ticket.error()));
    s.saved = *ticket;
  }
  return NextStep(*found, req, **supply);
}

Answer Broadcaster::NextStep(const std::shared_ptr<Session>& session, const Request& req,
                             SegmentSupply& supply) {
  Session& s = *session;
  std::optional<SourceSegment> segment;
  SourceInfo info;
  if (!s.sale.AllPaid()) {
    (void)supply.Refresh();
    info = supply.Info();  // also when stopping: the stream may have ended
    if (!m_stopping) segment = supply.Get(s.sale.Due(info));
  }
  bool switched = s.last_asked != nullptr && s.last_asked != &supply;
  s.last_asked = &supply;
  if (segment) {
    s.sale.Delivered(*segment);
    // Ready before this viewer asks for it, unless it just switched
    // rendition (a viewer that adapts switches seldom: one prefetch lost).
    if (!switched) supply.Prefetch(s.sale.next_seq());
    return Send(session, *segment);  // complete once the receipt is on disk
  }
  // Any other answer is sent only once the receipt is on disk.
  if (Status st = m_store.WaitSaved(s.saved); !st) {
    return ErrorAnswer("segment", CannotRecord(s, st.error()), req.id);
  }
  std::optional<std::string> reason = s.sale.EndReason(info);
  if (!reason && m_stopping) reason = std::string(kEndSellerStopped);
  if (reason) {
    json closed = Settle(s, *reason);
    return Sign("segment", req.id, 200,
                {{"state", "end"},
                 {"reason", *reason},
                 {"paid", s.sale.paid().amount},
                 {"closed", closed}});
  }
  // Back when the next segment is due, but well within the receipt
  // timeout, so that waiting never looks like leaving.
  int64_t retry_ms = std::min(supply.MillisUntilNext(m_config.wait_retry_ms),
                              std::max<int64_t>(m_config.receipt_timeout_seconds * 1000 / 3, 1));
  json wait = {{"state", "wait"}, {"next", s.sale.next_seq()}, {"retry_ms", retry_ms}};
  {
    std::lock_guard lock(m_note_mutex);
    if (!m_wait_note.empty()) wait["note"] = m_wait_note;
  }
  return Sign("segment", req.id, 200, std::move(wait));
}

void Broadcaster::SetWaitNote(std::string note) {
  std::lock_guard lock(m_note_mutex);
  m_wait_note = std::move(note);
}

Answer Broadcaster::Send(const std::shared_ptr<Session>& session, const SourceSegment& segment) {
  m_served.Add();
  m_served_bytes.Add(segment.statement.size);
  Answer a{200,
           "application/octet-stream",
           "",
           segment.bytes,
           segment.file,
           {{kSegmentHeader, segment.statement.ToJson().dump()}},
           {}};
  a.complete_when = [this, ticket = session->saved, weak = std::weak_ptr<Session>(session)] {
    Status saved = m_store.WaitSaved(ticket);
    if (saved) return true;
    // The viewer gets no whole segment; the contract closes at once, as
    // when a receipt cannot be queued.
    if (auto s = weak.lock()) {
      std::lock_guard lock(s->mutex);
      if (!s->sale.closed()) (void)CannotRecord(*s, saved.error());
    }
    return false;
  };
  return a;
}

Error Broadcaster::CannotRecord(Session& s, const Error& why) {
  LogError("cannot record the receipt of " + s.id + ": " + why.message);
  Settle(s, "cannot record receipts");
  return MakeError(ErrorCode::kUnavailable, "this node cannot record receipts");
}

Result<json> Broadcaster::Close(const Request& req) {
  ObjectReader r(req.params, "params");
  std::string id = r.HexString("contract", 32);
  const json& receipt_json = r.Object("receipt");
  if (Status st = r.Finish(); !st) return st.error();
  auto found = FindSession(req, id);
  if (!found) return found.error();
  Session& s = **found;
  auto receipt = ParseReceipt(receipt_json, "params.receipt");
  if (!receipt) return receipt.error();
  std::lock_guard lock(s.mutex);
  if (s.sale.closed()) return Refuse("contract " + id + " is closed");
  if (Status fresh = Admit(s, req); !fresh) return fresh.error();
  // The final receipt may pay the pending segment; anything else settles at
  // the last valid receipt.
  (void)s.sale.OnFinalReceipt(*receipt);
  json closed = Settle(s, "the viewer left");
  return json{
      {"paid", s.sale.paid().amount}, {"segments", s.sale.paid().segments}, {"closed", closed}};
}

Status Broadcaster::Admit(Session& s, const Request& req) {
  return s.requests.Admit(req.id, req.nonce, req.ts, Now() - m_config.max_clock_skew);
}

}  // namespace tollstream
