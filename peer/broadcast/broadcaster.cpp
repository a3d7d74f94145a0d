#include "peer/broadcast/broadcaster.h"

#include <algorithm>
#include <chrono>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/observe/log.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

int64_t SteadySeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

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
                   "Tokens the tracker paid for settled contracts.");
}

}  // namespace

void Broadcaster::Event(const std::string& line) {
  LogInfo(line);
  if (m_config.on_event) m_config.on_event(line);
}

// One contract with one viewer. Guarded by its own mutex.
struct Broadcaster::Session {
  std::mutex mutex;
  Contract contract;
  json contract_json;  // made once: every receipt's record carries it
  std::string id;
  uint64_t next_seq = 0;
  // What the viewer has paid for: its last valid receipt (a zero receipt,
  // unsigned, before the first).
  Receipt paid;
  bool paid_signed = false;
  // The one delivered, not yet paid segment.
  std::optional<SourceSegment> pending;
  // The answer to the offer, for a viewer that asks again.
  json offer_answer;
  // Requests seen (nonce -> ts) and the last one: a replayed request is
  // refused without touching the contract; the last one repeated is a retry.
  std::map<std::string, int64_t> nonces;
  Hash256 last_request{};
  int64_t last_heard = 0;  // steady seconds
  uint64_t saved = 0;      // the ticket of the newest record of `paid`
  bool closed = false;
};

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
      m_earned(m_metrics.counter("tollstream_broadcaster_tokens_earned_total")) {
  m_metrics.DeclareGauge("tollstream_broadcaster_contracts_open",
                         "Contracts open with viewers now.", [this] {
                           std::lock_guard lock(m_mutex);
                           return static_cast<double>(m_sessions.size());
                         });
}

int64_t Broadcaster::Now() const {
  return UnixNow() + m_clock_offset;
}

PeerAnswer Broadcaster::Sign(std::string_view method, const std::optional<Hash256>& request,
                             int status, json result) {
  json body = ResponseBody(method, m_key.public_key(), request, Now(), status, std::move(result));
  SignInPlace(SignedKind::kResponse, m_key, body);
  PeerAnswer a;
  a.status = status;
  a.body = body.dump();
  return a;
}

PeerAnswer Broadcaster::ErrorAnswer(std::string_view method, const Error& error,
                                    const std::optional<Hash256>& request) {
  json body = ErrorBody(method, m_key.public_key(), request, Now(), error);
  SignInPlace(SignedKind::kResponse, m_key, body);
  return PeerAnswer{
      HttpStatus(error.code), "application/json", body.dump(), nullptr, nullptr, {}, {}};
}

PeerAnswer Broadcaster::Handle(std::string_view method, std::string_view body) {
  auto parsed = ParseRequest(body);
  if (!parsed) return ErrorAnswer(method, parsed.error());
  const Request& req = *parsed;
  auto refuse = [&](const Error& e) { return ErrorAnswer(method, e, req.id); };
  if (Status s = CheckRequest(req, method, m_tracker_key, Now(), m_config.max_clock_skew); !s) {
    return refuse(s.error());
  }
  if (method == "segment") return Segment(req);
  Result<json> result = MakeError(ErrorCode::kNotFound, "no method " + std::string(method));
  if (method == "stream") result = StreamInfo(req);
  if (method == "probe") result = Probe(req);
  if (method == "offer") result = Offer(req);
  if (method == "close") result = Close(req);
  if (!result) return refuse(result.error());
  return Sign(method, req.id, 200, std::move(*result));
}

Result<json> Broadcaster::Probe(const Request& req) {
  ObjectReader r(req.params, "params");
  uint64_t size = r.Amount("size");
  if (r.ok() && size > kMaxProbeBytes)
    r.Fail("size", "must be at most " + std::to_string(kMaxProbeBytes));
  if (Status s = r.Finish(); !s) return s.error();
  return json{{"size", size}, {"pad", std::string(size, 'p')}};
}

Result<json> Broadcaster::StreamInfo(const Request& req) {
  ObjectReader r(req.params, "params");
  std::string stream = r.Name("stream");
  if (Status s = r.Finish(); !s) return s.error();
  if (stream != m_config.stream)
    return MakeError(ErrorCode::kNotFound, "this node sells only " + m_config.stream);
  (void)m_source.Refresh();
  SourceInfo info = m_source.Info();
  json out = {{"stream", m_config.stream},
              {"origin", m_source.origin().ToHex()},
              {"broadcaster", m_key.public_key().ToHex()},
              {"code", KeyCode(m_key.public_key())},
              {"price", m_config.price},
              {"income_address", m_config.income_address},
              {"available", info.available},
              {"ended", info.ended},
              {"finished", info.finished},
              {"target_duration", info.target_duration}};
  if (info.available) {
    out["first"] = info.first;
    out["last"] = info.last;
  }
  return out;
}

Result<json> Broadcaster::Offer(const Request& req) {
  ObjectReader r(req.params, "params");
  const json& contract_json = r.Object("contract");
  std::optional<uint64_t> from;
  if (r.Has("from")) from = r.Amount("from");
  if (Status s = r.Finish(); !s) return s.error();
  auto parsed = ParseContract(contract_json, ContractSigs::kViewer, "params.contract");
  if (!parsed) return parsed.error();
  Contract contract = std::move(*parsed);
  const ContractTerms& t = contract.terms;
  if (t.viewer != req.signer)
    return MakeError(ErrorCode::kForbidden, "the offer must come from the contract's viewer");
  // The terms must suit this node.
  if (t.tracker != m_tracker_key) {
    return MakeError(ErrorCode::kWrongTracker,
                     "the contract names another tracker than this node's");
  }
  if (t.broadcaster != m_key.public_key()) return Refuse("the contract names another broadcaster");
  if (t.income_address != m_config.income_address) {
    return Refuse("the contract pays to " + t.income_address + ", this node's income address is " +
                  m_config.income_address);
  }
  if (t.stream != m_config.stream)
    return Refuse("this node sells " + m_config.stream + ", not " + t.stream);
  if (t.price < m_config.price) {
    return Refuse("price " + std::to_string(t.price) + " is below this node's price " +
                  std::to_string(m_config.price));
  }
  std::string id = ToHex(contract.id);
  {
    // The same offer again (its answer was lost): the same answer. While
    // one is being opened, a second copy waits its turn by being refused.
    std::lock_guard lock(m_mutex);
    auto it = m_sessions.find(id);
    if (it != m_sessions.end()) {
      std::lock_guard session_lock(it->second->mutex);
      if (!it->second->offer_answer.is_null()) return it->second->offer_answer;
    }
    if (!m_opening.insert(id).second) {
      return MakeError(ErrorCode::kBusy, "this offer is being opened; ask again shortly");
    }
  }
  struct OpeningGuard {
    Broadcaster* self;
    std::string id;
    ~OpeningGuard() {
      std::lock_guard lock(self->m_mutex);
      self->m_opening.erase(id);
    }
  } opening{this, id};
  if (t.expires < Now() + m_config.min_contract_seconds) {
    return Refuse("the contract expires too soon");
  }
  (void)m_source.Refresh();
  SourceInfo info = m_source.Info();
  if (!info.available) return Refuse("the stream has no segments yet; try again shortly");
  uint64_t start = from.value_or(info.first);
  if (start < info.first) start = info.first;
  if (start > info.last + 1 || (info.ended && start > info.last)) {
    return Refuse("segment " + std::to_string(start) + " is beyond the stream (last " +
                  std::to_string(info.last) + ")");
  }

  SignAsBroadcaster(contract, m_key);
  json signed_contract = contract.ToJson();  // both signatures
  // On disk before it is open, so that a crash never leaves an open contract unrecorded.
  if (Status s = m_store.Save({id, signed_contract, nullptr}); !s) {
    return MakeError(ErrorCode::kUnavailable,
                     "this node cannot record contracts: " + s.error().message);
  }
  auto opened = WithTracker([&](TrackerClient& c) {
    return c.CallForAnswer("openContract", {{"contract", signed_contract}});
  });
  if (!opened) {
    // Forget it only when the tracker said no; after no answer it may be
    // open, and the record lets CloseStored settle it on the next start.
    if (opened.error().code != ErrorCode::kUpstream) (void)m_store.Remove(id);
    Error e = opened.error();
    e.message = "the tracker refused the contract: " + e.message;
    return e;
  }
  auto session = std::make_shared<Session>();
  session->contract = contract;
  session->id = ToHex(contract.id);
  session->next_seq = start;
  session->paid.contract = contract.id;
  session->paid.viewer = t.viewer;
  session->paid.chain = contract.id;
  session->last_heard = SteadySeconds();
  session->contract_json = std::move(signed_contract);
  session->offer_answer = json{
      {"contract", session->contract_json}, {"confirmation", opened->signed_body}, {"from", start}};
  {
    std::lock_guard lock(m_mutex);
    m_sessions[session->id] = session;
    ++m_totals.contracts;
  }
  m_opened.Add();
  Event("contract " + session->id + " opened with viewer " + KeyCode(t.viewer) + ": up to " +
        std::to_string(t.max_segments) + " segments at " + std::to_string(t.price) +
        ", from segment " + std::to_string(start));
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

namespace {

bool Covers(const Receipt& r, uint64_t segments, uint64_t bytes, const Hash256& chain) {
  return r.segments == segments && r.bytes == bytes && r.chain == chain;
}

// Why `r` is not the receipt expected after `paid` (+ `pending`).
std::string Mismatch(const Receipt& r, uint64_t segments, uint64_t bytes, const Hash256& chain) {
  if (r.segments != segments) {
    return "it reports " + std::to_string(r.segments) + " segments, " + std::to_string(segments) +
           " were delivered";
  }
  if (r.bytes != bytes)
    return "it reports " + std::to_string(r.bytes) + " bytes, " + std::to_string(bytes) +
           " were delivered";
  if (r.chain != chain) return "its hash chain does not match the segments delivered";
  return "it does not match";
}

}  // namespace

PeerAnswer Broadcaster::Segment(const Request& req) {
  auto fail = [&](const Error& e) { return ErrorAnswer("segment", e, req.id); };
  ObjectReader r(req.params, "params");
  std::string id = r.HexString("contract", 32);
  const json& receipt_json = r.Object("receipt");
  if (Status s = r.Finish(); !s) return fail(s.error());
  auto found = FindSession(req, id);
  if (!found) return fail(found.error());
  Session& s = **found;
  auto receipt = ParseReceipt(receipt_json, "params.receipt");
  if (!receipt) {
    m_receipts_rejected.Add();
    return fail(receipt.error());
  }

  std::lock_guard lock(s.mutex);
  if (s.closed) return fail(Refuse("contract " + id + " is closed"));
  if (Status fresh = Admit(s, req); !fresh) return fail(fresh.error());
  s.last_heard = SteadySeconds();
  const ContractTerms& t = s.contract.terms;
  if (ToHex(receipt->contract) != id || receipt->viewer != t.viewer ||
      receipt->amount != receipt->segments * t.price) {
    m_receipts_rejected.Add();
    Settle(s, "the viewer sent a receipt for other terms");
    return fail(
        Refuse("the receipt does not fit the contract; contract closed at the last valid receipt"));
  }
  bool pays_pending = false;
  if (s.pending) {
    uint64_t segments = s.paid.segments + 1;
    uint64_t bytes = s.paid.bytes + s.pending->statement.size;
    Hash256 chain = ExtendChain(s.paid.chain, s.pending->statement.sha256);
    if (Covers(*receipt, segments, bytes, chain)) {
      pays_pending = true;
    } else if (!Covers(*receipt, s.paid.segments, s.paid.bytes, s.paid.chain)) {
      std::string why = Mismatch(*receipt, segments, bytes, chain);
      m_receipts_rejected.Add();
      Settle(s, "invalid receipt: " + why);
      return fail(
          Refuse("invalid receipt (" + why + "); contract closed at the last valid receipt"));
    } else if (s.pending->Sendable()) {
      // The viewer asks again with the receipt it sent before: the answer
      // carrying the pending segment was lost. Send the same segment again.
      m_served.Add();
      m_served_bytes.Add(s.pending->statement.size);
      return Delivery(*found, *s.pending);
    } else {
      // ... and its file changed since, with no copy in memory: the segment
      // due is sent as it is now, under a statement of its own.
      s.next_seq = s.pending->statement.seq;
      s.pending.reset();
    }
  } else if (!Covers(*receipt, s.paid.segments, s.paid.bytes, s.paid.chain)) {
    std::string why = Mismatch(*receipt, s.paid.segments, s.paid.bytes, s.paid.chain);
    m_receipts_rejected.Add();
    Settle(s, "invalid receipt: " + why);
    return fail(Refuse("invalid receipt (" + why + "); contract closed at the last valid receipt"));
  }
  if (pays_pending) m_receipts_accepted.Add();
  if (pays_pending || !s.paid_signed) {
    s.paid = *receipt;
    s.paid_signed = true;
    s.pending.reset();
    // Written while the next segment travels (see Delivery).
    auto ticket = m_store.Queue({s.id, s.contract_json, s.paid.ToJson()});
    if (!ticket) return fail(CannotRecord(s, ticket.error()));
    s.saved = *ticket;
  }
  std::optional<SourceSegment> segment;
  SourceInfo info;
  bool all_delivered = s.paid.segments >= t.max_segments;
  if (!all_delivered) {
    (void)m_source.Refresh();
    info = m_source.Info();
    if (info.available && s.next_seq < info.first)
      s.next_seq = info.first;  // rolled out of the window
    segment = m_source.Get(s.next_seq);
  }
  if (segment) {
    s.pending = *segment;
    s.next_seq += 1;
    m_served.Add();
    m_served_bytes.Add(segment->statement.size);
    m_source.Prefetch(s.next_seq);      // ready before this viewer asks for it
    return Delivery(*found, *segment);  // complete once the receipt is on disk
  }
  // Any other answer is sent only once the receipt is on disk.
  if (Status st = m_store.WaitSaved(s.saved); !st) return fail(CannotRecord(s, st.error()));
  auto end = [&](const std::string& reason) {
    json closed = Settle(s, reason);
    return Sign(
        "segment", req.id, 200,
        {{"state", "end"}, {"reason", reason}, {"paid", s.paid.amount}, {"closed", closed}});
  };
  if (all_delivered) return end("the contract's segments are all delivered");
  if (info.ended && (!info.available || s.next_seq > info.last)) return end("the stream ended");
  // Back when the next segment is due, but well within the receipt
  // timeout, so that waiting never looks like leaving.
  int64_t retry_ms = std::min(m_source.MillisUntilNext(m_config.wait_retry_ms),
                              std::max<int64_t>(m_config.receipt_timeout_seconds * 1000 / 3, 1));
  return Sign("segment", req.id, 200,
              {{"state", "wait"}, {"next", s.next_seq}, {"retry_ms", retry_ms}});
}

PeerAnswer Broadcaster::Delivery(const std::shared_ptr<Session>& session,
                                 const SourceSegment& segment) {
  PeerAnswer a{200,
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
      if (!s->closed) (void)CannotRecord(*s, saved.error());
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
  if (s.closed) return Refuse("contract " + id + " is closed");
  if (Status fresh = Admit(s, req); !fresh) return fresh.error();
  // The final receipt may pay the pending segment; anything else settles at
  // the last valid receipt.
  if (s.pending && ToHex(receipt->contract) == id && receipt->viewer == s.contract.terms.viewer &&
      receipt->amount == receipt->segments * s.contract.terms.price &&
      Covers(*receipt, s.paid.segments + 1, s.paid.bytes + s.pending->statement.size,
             ExtendChain(s.paid.chain, s.pending->statement.sha256))) {
    s.paid = *receipt;
    s.paid_signed = true;
    s.pending.reset();
  }
  json closed = Settle(s, "the viewer left");
  return json{{"paid", s.paid.amount}, {"segments", s.paid.segments}, {"closed", closed}};
}

Status Broadcaster::Admit(Session& s, const Request& req) {
  if (req.id == s.last_request) return Status::Ok();  // a retry of the last request
  if (s.nonces.contains(req.nonce)) {
    return MakeError(ErrorCode::kDuplicate,
                     "this request was seen before (a replay); nothing changed");
  }
  // Requests older than the clock skew are refused as stale anyway.
  if (s.nonces.size() >= 4096) {
    int64_t horizon = Now() - m_config.max_clock_skew;
    std::erase_if(s.nonces, [&](const auto& entry) { return entry.second < horizon; });
  }
  s.nonces.emplace(req.nonce, req.ts);
  s.last_request = req.id;
  return Status::Ok();
}

json Broadcaster::Settle(Session& s, const std::string& reason) {
  s.closed = true;
  json params = {{"contract", s.id}};
  if (s.paid_signed) params["receipt"] = s.paid.ToJson();
  auto answer =
      WithTracker([&](TrackerClient& c) { return c.CallForAnswer("closeContract", params); });
  bool settled = answer.ok() || answer.error().code == ErrorCode::kConflict ||
                 answer.error().code == ErrorCode::kNotFound;
  if (!settled) {
    LogWarn("contract " + s.id + ": close failed (" + answer.error().message +
            "); kept on disk to retry");
    return nullptr;
  }
  (void)m_store.Remove(s.id);
  uint64_t paid = answer.ok() ? answer->result.value("paid", uint64_t{0}) : 0;
  {
    std::lock_guard lock(m_mutex);
    m_sessions.erase(s.id);
    m_totals.segments_paid += answer.ok() ? s.paid.segments : 0;
    m_totals.earned += paid;
    m_status_cache.erase(s.id);
  }
  m_closed.Add();
  m_earned.Add(paid);
  Event("contract " + s.id + " closed: paid " + std::to_string(paid) + " for " +
        std::to_string(s.paid.segments) + " segments (" + reason + ")");
  return answer.ok() ? answer->signed_body : json(nullptr);
}

size_t Broadcaster::CloseStored() {
  auto stored = m_store.LoadAll();
  if (!stored) {
    LogError("cannot read stored contracts: " + stored.error().message);
    return 0;
  }
  size_t settled = 0;
  for (const auto& c : *stored) {
    json params = {{"contract", c.id}};
    if (!c.receipt.is_null()) params["receipt"] = c.receipt;
    auto answer =
        WithTracker([&](TrackerClient& t) { return t.CallForAnswer("closeContract", params); });
    if (!answer && answer.error().code != ErrorCode::kConflict &&
        answer.error().code != ErrorCode::kNotFound) {
      LogWarn("stored contract " + c.id + ": close failed: " + answer.error().message);
      continue;
    }
    (void)m_store.Remove(c.id);
    ++settled;
    uint64_t paid = answer ? answer->result.value("paid", uint64_t{0}) : 0;
    Event("contract " + c.id + " closed from the stored receipt: paid " + std::to_string(paid));
  }
  return settled;
}

size_t Broadcaster::CloseQuiet() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [id, s] : m_sessions) sessions.push_back(s);
  }
  size_t closed = 0;
  int64_t now = SteadySeconds();
  for (auto& s : sessions) {
    std::lock_guard lock(s->mutex);
    if (s->closed) {
      Settle(*s, "retrying the close");  // an earlier close did not reach the tracker
    } else if (now - s->last_heard >= m_config.receipt_timeout_seconds) {
      Settle(*s,
             s->pending ? "no receipt for the last segment delivered" : "the viewer went quiet");
      ++closed;
    }
  }
  return closed;
}

void Broadcaster::CloseAll(const std::string& reason) {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(m_mutex);
    for (auto& [id, s] : m_sessions) sessions.push_back(s);
  }
  for (auto& s : sessions) {
    std::lock_guard lock(s->mutex);
    if (!s->closed) Settle(*s, reason);
  }
}

json Broadcaster::Snapshot() {
  std::vector<std::shared_ptr<Session>> sessions;
  Totals t = totals();
  {
    std::lock_guard lock(m_mutex);
    for (auto& [id, s] : m_sessions) sessions.push_back(s);
  }
  json viewers = json::array();
  int64_t now = SteadySeconds();
  for (auto& s : sessions) {
    json row;
    std::unique_lock lock(s->mutex, std::try_to_lock);
    if (lock.owns_lock()) {
      const ContractTerms& terms = s->contract.terms;
      row = {{"contract", s->id},
             {"viewer", terms.viewer.ToHex()},
             {"code", KeyCode(terms.viewer)},
             {"max_segments", terms.max_segments},
             {"segments", s->paid.segments},
             {"bytes", s->paid.bytes},
             {"amount", s->paid.amount},
             {"next_seq", s->next_seq},
             {"quiet_seconds", now - s->last_heard}};
      lock.unlock();
      std::lock_guard cache(m_mutex);
      m_status_cache[s->id] = row;
    } else {
      std::lock_guard cache(m_mutex);
      auto it = m_status_cache.find(s->id);
      if (it == m_status_cache.end()) continue;
      row = it->second;
    }
    viewers.push_back(std::move(row));
  }
  SourceInfo info = m_source.Info();
  uint64_t owed = 0;  // covered by receipts, not yet settled
  uint64_t unsettled_segments = 0;
  for (const auto& v : viewers) {
    owed += v["amount"].get<uint64_t>();
    unsettled_segments += v["segments"].get<uint64_t>();
  }
  return {{"stream", m_config.stream},
          {"broadcaster", m_key.public_key().ToHex()},
          {"code", KeyCode(m_key.public_key())},
          {"price", m_config.price},
          {"income_address", m_config.income_address},
          {"viewers", viewers.size()},
          {"contracts", t.contracts},
          {"segments_sold", t.segments_paid + unsettled_segments},  // paid by receipts
          {"earned", t.earned},
          {"owed", owed},
          {"segments_served", m_served.value()},
          {"receipts_rejected", m_receipts_rejected.value()},
          {"source",
           {{"available", info.available},
            {"first", info.first},
            {"last", info.last},
            {"ended", info.ended}}},
          {"sessions", viewers}};
}

Broadcaster::Totals Broadcaster::totals() {
  std::lock_guard lock(m_mutex);
  Totals t = m_totals;
  t.open = m_sessions.size();
  return t;
}

}  // namespace tollstream
