// A viewer's client for a broadcasting node's API (see broadcast/broadcaster.h),
// a SignedClient. Every answer is checked: signed by the expected broadcaster
// and echoing the request; a delivered segment's statement is signed by the
// stream's origin (the broadcaster itself, unless it is a relay: see
// ExpectOrigin). A `segment` request that gets no answer is sent once more,
// the same bytes; other requests are sent once.
//
// Not thread-safe: one client per thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/crypto/keys.h"
#include "common/protocol/contract.h"
#include "common/protocol/receipt.h"
#include "common/protocol/segment.h"
#include "common/rpc/signed_client.h"
#include "common/wire/envelope.h"

namespace tollstream {

class BroadcasterClient {
 public:
  // `tracker` is the tracker both sides use; `broadcaster` the key expected
  // to answer. Requests are stamped with the tracker's clock: local time
  // plus `clock_offset` (TrackerClient::clock_offset()).
  BroadcasterClient(std::string url, KeyPair key, PublicKey tracker, PublicKey broadcaster,
                    int64_t clock_offset = 0, int timeout_ms = 10000);
  ~BroadcasterClient();
  // Segments must be signed by `origin` (a relay forwards its origin's statements).
  void ExpectOrigin(const PublicKey& origin) { m_origin = origin; }

  Result<json> Stream(const std::string& stream);
  // A signed answer of `size` bytes of padding; returns how long it took.
  Result<std::chrono::microseconds> Probe(uint64_t size);
  // Returns {contract, confirmation, from}; the caller checks them.
  Result<json> Offer(const Contract& contract, std::optional<uint64_t> from);

  struct Delivery {
    enum class Kind { kSegment, kWait, kEnd } kind = Kind::kWait;
    SegmentStatement
        statement;      // kSegment: signed by the broadcaster (not yet checked against bytes)
    std::string bytes;  // kSegment
    json result;        // kWait, kEnd: the signed answer's result
  };
  // Sends the cumulative receipt and asks for the next segment (of
  // `rendition`, under a contract with renditions; "" names none).
  Result<Delivery> NextSegment(const std::string& contract_id, const Receipt& receipt,
                               const std::string& rendition = "");
  // The viewer leaves; the broadcaster settles with this receipt (or the last valid one).
  Result<json> Close(const std::string& contract_id, const Receipt& receipt);

  // Sends a signed request for `method` and returns the raw HTTP answer
  // (`header`: the segment's statement, when it carries one); for tests.
  using RawAnswer = SignedClient::RawAnswer;
  Result<RawAnswer> Post(const std::string& method, const std::string& body);
  json MakeRequest(const std::string& method, json params) const;

 private:
  Result<json> Call(const std::string& method, json params);

  SignedClient m_client;
  PublicKey m_tracker;
  PublicKey m_broadcaster;
  PublicKey m_origin;
};

}  // namespace tollstream
