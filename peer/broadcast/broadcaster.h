// The broadcasting node's side of the exchange with viewers: B's signed
// service (common/rpc/signed_service.h), independent of HTTP itself.
// Methods, each a signed request from a viewer:
//
//   stream   what B sells: price, income address, origin, the segments it
//            holds, and its renditions with their prices when it sells several
//   probe    a signed answer padded to the size asked (at most 256 KiB), by
//            which a viewer measures B's round trip and throughput
//   offer    a contract signed by the viewer; B checks the terms, signs,
//            opens it at the tracker, and answers with the tracker's signed
//            confirmation
//   segment  the viewer's cumulative receipt for everything delivered so far
//            (and, under a contract with renditions, which one it wants
//            next); B answers with the next segment (bytes + signed
//            statement), or "wait" (not written yet), or "end" (the
//            contract is settled)
//   close    the viewer leaves: B closes the contract with the last receipt
//
// A clean stop (Drain) loses no payment a viewer is about to send: B offers
// no new contracts and sends no further segments, takes the receipt each
// viewer sends with its next request, and answers it "end" with the reason
// kEndSellerStopped; only then are the contracts closed.
//
// At most one delivered segment is ever unpaid: B sends segment n+1 only
// after a receipt that covers segment n. A receipt that does not match what
// was delivered, or none within the receipt timeout, ends the contract: B
// closes it at the tracker with the last valid receipt. Every valid receipt
// is on disk (ReceiptStore) before the next segment leaves.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/client/tracker_client.h"
#include "common/client/tracker_pool.h"
#include "common/observe/metrics.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/rpc/signed_service.h"
#include "common/wire/envelope.h"
#include "peer/broadcast/ladder.h"
#include "peer/broadcast/receipt_store.h"
#include "peer/broadcast/segment_supply.h"

namespace tollstream {

// One of the renditions a broadcaster sells, and where its segments come from.
struct OfferedRendition {
  RenditionSpec spec;
  SegmentSupply* supply = nullptr;
};

struct BroadcasterConfig {
  std::string stream;
  uint64_t price = 0;  // the top rendition's, when there are several
  // Several renditions, the top one first (its supply the broadcaster's
  // `source`); none: one quality, from `source`.
  std::vector<OfferedRendition> renditions;
  std::string income_address;
  int64_t receipt_timeout_seconds = 15;  // quiet viewer: its contract is closed
  int64_t max_clock_skew = 120;
  int64_t min_contract_seconds = 10;  // refuse contracts expiring sooner
  int64_t wait_retry_ms = 250;        // the shortest pause suggested after "wait"
  size_t tracker_clients = 16;        // calls to the tracker at once
  // Told of each contract opened and closed, one line each (the CLI prints them).
  std::function<void(const std::string&)> on_event;
  Metrics* metrics = nullptr;  // where to count; a private registry when null
};

inline constexpr uint64_t kMaxProbeBytes = 256 * 1024;

class Broadcaster {
 public:
  // `tracker` has done its handshake; up to `tracker_clients` clients like
  // it call the tracker side by side (opening and closing contracts).
  Broadcaster(KeyPair key, std::unique_ptr<TrackerClient> tracker, SegmentSupply& source,
              ReceiptStore& store, BroadcasterConfig config);

  // The methods above, served by the node's HTTP server.
  const SignedService& api() const { return m_api; }

  // Closes the contracts an earlier run left: those in the store, each with
  // its last valid receipt, and those of this stream and income address
  // open at the tracker that the store does not hold (their records were
  // lost), without a receipt, so that their deposits come back now rather
  // than at expiry. Call before serving. Returns how many were settled.
  size_t CloseStored();
  // Closes the contracts whose viewer sent nothing within the receipt timeout.
  size_t CloseQuiet();
  // The first step of a clean stop: no new contracts and no further
  // segments; each viewer's next request pays with its receipt and is
  // answered "end". Waits until no viewer owes for a segment delivered and
  // no offer let in before is still being opened, at most `grace`; returns
  // how many viewers still owe.
  size_t Drain(std::chrono::milliseconds grace);
  // Drain's first step alone: no new contracts and no further segments from
  // now on (for a node that withdraws its announcement before it drains).
  void BeginStop();
  // Closes every open contract (at shutdown).
  void CloseAll(const std::string& reason);

  struct Totals {
    size_t open = 0;
    uint64_t contracts = 0;
    uint64_t segments_paid = 0;
    uint64_t earned = 0;  // paid at the tracker: opening charges, and closed contracts
  };
  Totals totals();
  // What the status page shows: the stream, the totals, and each open
  // contract with its viewer and what its receipts cover so far. A contract
  // busy at that moment shows its figures from the previous call.
  json Snapshot();
  // Said to viewers with every "wait" while set ("waiting for the
  // streamer"); "" says nothing.
  void SetWaitNote(std::string note);
  const KeyPair& key() const { return m_key; }
  // A tracker client of the node's pool, for the node's own calls.
  template <typename F>
  auto WithTracker(F f) {
    return m_tracker.Use(f);
  }

 private:
  struct Session;  // broadcaster_session.h

  Answer Sign(std::string_view method, const std::optional<Hash256>& request, int status,
              json result);
  // The signed refusal of a request (`request`: its id).
  Answer ErrorAnswer(std::string_view method, const Error& error,
                     const std::optional<Hash256>& request);
  Result<json> StreamInfo(const Request& req);
  Result<json> Probe(const Request& req);
  Result<json> Offer(const Request& req);
  // The offer `id` again (its answer was lost): the same answer; while a
  // copy is being opened, kBusy; a new offer while stopping, kUnavailable.
  // Else nullopt, and `id` is being opened.
  std::optional<Result<json>> ClaimOffer(const std::string& id);
  // Signs `contract` (its terms checked), records it, opens it at the
  // tracker, and starts its sale.
  Result<json> OpenSale(Contract contract, std::optional<uint64_t> from);
  Answer Segment(const Request& req);
  // The supply of the rendition a segment request asks for (`name`, "" for
  // none). Errors: kInvalidField (a rendition the contract does not buy).
  Result<SegmentSupply*> SupplyFor(const Session& s, const std::string& name);
  // After a receipt was accepted: the next segment of `supply`, "wait", or "end".
  Answer NextStep(const std::shared_ptr<Session>& session, const Request& req,
                  SegmentSupply& supply);
  // The answer carrying `segment` to the viewer of `session` (locked by the
  // caller): complete only once the viewer's latest receipt, which paid for
  // the segment before, is on disk; when that write fails, the contract is
  // closed and the answer never completes.
  Answer Send(const std::shared_ptr<Session>& session, const SourceSegment& segment);
  // Settles `s` (locked) when its receipt cannot be recorded; the error to answer.
  Error CannotRecord(Session& s, const Error& why);
  Result<json> Close(const Request& req);
  Result<std::shared_ptr<Session>> FindSession(const Request& req, const std::string& id);
  std::vector<std::shared_ptr<Session>> Sessions();
  // Settles `s` (locked by the caller) at the tracker with its last valid
  // receipt; the tracker's signed answer (null when it closed it before).
  json Settle(Session& s, const std::string& reason);
  // Closes contract `id` at the tracker with `receipt` (null: none). Settled:
  // the tracker's answer, or nullopt when it had closed the contract before
  // (kConflict, kNotFound). An error leaves it to settle later.
  Result<std::optional<Response>> CloseAtTracker(const std::string& id, const json& receipt);
  // CloseStored's second part: the contracts open at the tracker that
  // neither `stored` nor anything else here holds. Returns how many closed.
  size_t CloseUnrecorded(const std::vector<StoredContract>& stored);
  // Refuses a replayed request (kDuplicate); records the others. `s` is locked.
  Status Admit(Session& s, const Request& req);
  void Event(const std::string& line);

  // The tracker's clock (local time corrected by the handshake).
  int64_t Now() const;

  KeyPair m_key;
  int64_t m_clock_offset = 0;
  TrackerPool m_tracker;
  PublicKey m_tracker_key;
  SegmentSupply& m_source;
  ReceiptStore& m_store;
  BroadcasterConfig m_config;
  std::mutex m_mutex;  // guards m_sessions and m_totals
  std::map<std::string, std::shared_ptr<Session>> m_sessions;
  std::set<std::string> m_opening;      // ids of offers being opened at the tracker
  std::atomic<bool> m_stopping{false};  // Drain has begun (set under m_mutex)
  Totals m_totals;
  std::map<std::string, json> m_status_cache;  // guarded by m_mutex
  std::mutex m_note_mutex;  // guards m_wait_note alone (taken with a session locked)
  std::string m_wait_note;

  Metrics m_own_metrics;
  Metrics& m_metrics;
  Metrics::Counter& m_served;
  Metrics::Counter& m_served_bytes;
  Metrics::Counter& m_receipts_accepted;
  Metrics::Counter& m_receipts_rejected;
  Metrics::Counter& m_opened;
  Metrics::Counter& m_closed;
  Metrics::Counter& m_earned;
  SignedService m_api;
};

}  // namespace tollstream
