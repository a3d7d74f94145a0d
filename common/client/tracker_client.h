// The client side of the tracker protocol (a SignedClient): signs requests,
// sends them, checks that each answer is signed by the pinned tracker key and
// echoes the request.
//
// Retries: a request that got no answer (connection refused, reset, timeout)
// is sent again with the same body, nonce and signature, which the tracker
// answers with its first answer if it had applied it. The URL may list
// several trackers that serve one ledger, separated by commas: such a
// request goes to the next (SignedClient).
//
// Not thread-safe: use one client per thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/rpc/signed_client.h"
#include "common/wire/envelope.h"
#include "common/wire/json.h"

namespace tollstream {

class TrackerClient {
 public:
  struct Options {
    int timeout_ms = 10000;
    int attempts = 4;          // rounds over the URLs, sending one request, while none answers
    int retry_delay_ms = 200;  // before the second send; doubles each time
  };

  TrackerClient(std::string url, KeyPair key);
  TrackerClient(std::string url, KeyPair key, Options options);
  ~TrackerClient();

  // Learns the tracker's key and clock. Pins the key on first use; later
  // handshakes must show the same key. Returns the handshake result.
  Result<json> Handshake();
  void Pin(const PublicKey& tracker) { m_tracker = tracker; }
  const std::optional<PublicKey>& tracker() const { return m_tracker; }
  const KeyPair& key() const { return m_client.key(); }
  const std::string& url() const { return m_client.url(); }
  // The URL the next request goes to first (SignedClient::current_url).
  const std::string& current_url() const { return m_client.current_url(); }

  // Calls `method`; returns its result, or the tracker's error (its code and
  // message), or kUpstream when no valid answer came. Precondition: a pinned key.
  Result<json> Call(std::string_view method, json params);
  // The same, returning the whole signed answer (to show it to a third party).
  Result<Response> CallForAnswer(std::string_view method, json params);

  // A signed request body for `method`, as Call would send it.
  json MakeRequest(std::string_view method, json params) const;
  // Sends `body` to /v1/<method> and returns the verified answer (any status).
  Result<Response> Send(std::string_view method, const std::string& body,
                        const std::optional<Hash256>& request_id);

  // Tracker clock minus local clock, learned by Handshake.
  int64_t clock_offset() const { return m_client.clock_offset(); }

 private:
  SignedClient m_client;
  std::optional<PublicKey> m_tracker;
};

}  // namespace tollstream
