// The client side of a signed service (common/rpc/signed_service.h): signs
// requests, sends them to POST /v1/<method>, and checks that each answer is
// a signed envelope by the expected key that echoes the request.
//
// Retries: a request that got no answer (connection refused, reset, timeout)
// is sent again with the same bytes (body, nonce, signature), so that a
// service that keeps answers by signer and nonce answers a retry with its
// first answer.
//
// Several instances (Options::several_urls): `url` may list several URLs of
// one service, separated by commas (instances sharing one state, as
// trackers sharing one ledger). A request that one does not answer, or
// answers 503 (which applied nothing), is sent at once to the next;
// requests go to the one that answered last. `attempts` rounds over the
// list in all, with `retry_delay_ms` (doubling) between rounds. Any other
// answer ends the exchange; so does a round in which every URL that
// answered said 503 (that answer is returned).
//
// Not thread-safe: use one client per thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/envelope.h"
#include "common/wire/json.h"

namespace tollstream {

class SignedClient {
 public:
  struct Options {
    int timeout_ms = 10000;  // to connect, and for each read and write
    int attempts = 1;        // rounds over the URLs (one, unless several_urls) while none answers
    int retry_delay_ms = 0;  // before the second send; doubles each time
    // A large answer (a payload) is read into one buffer sized from its
    // Content-Length (common/http/sized_body.h).
    bool sized_answers = false;
    std::string_view peer = "the server";  // names it in errors: "no answer from <peer> at URL"
    std::string_view answer_header;        // a header of the answer kept in RawAnswer::header
    bool several_urls = false;             // `url` may list several, separated by commas
  };

  // `url`: http://host:port, a trailing slash allowed; or several, separated by commas.
  SignedClient(std::string url, KeyPair key, Options options);
  ~SignedClient();

  // A signed request body for `method`, naming `tracker` (when given),
  // stamped with the local clock plus clock_offset(), with a fresh nonce.
  json MakeRequest(std::string_view method, const std::optional<PublicKey>& tracker,
                   json params) const;

  // The answer as it came, any status.
  struct RawAnswer {
    int status = 0;
    std::string content_type;
    std::string body;
    std::string header;  // Options::answer_header's value ("" when absent)
  };
  // Sends `body` to /v1/<method>, the same bytes again while no answer
  // comes: `attempts` rounds over the URLs in all (Options::attempts when 0).
  // Errors: kUpstream, when none was answered.
  Result<RawAnswer> Post(std::string_view method, const std::string& body, int attempts = 0);

  // Post, then the answer checked: a signed envelope, by `signer` (when
  // given), answering `request` (when given). Any status.
  Result<Response> Send(std::string_view method, const std::string& body,
                        const std::optional<PublicKey>& signer,
                        const std::optional<Hash256>& request);
  // A signed request for `method` sent and its answer checked (signed by
  // `signer`, echoing the request): the whole answer when its status is 200,
  // else its error (code and message), or kUpstream when no valid answer came.
  Result<Response> Call(std::string_view method, const std::optional<PublicKey>& tracker,
                        json params, const std::optional<PublicKey>& signer);

  // The difference to add to the local clock (the tracker's, learned at a handshake).
  int64_t clock_offset() const { return m_clock_offset; }
  void set_clock_offset(int64_t seconds) { m_clock_offset = seconds; }
  const KeyPair& key() const { return m_key; }
  // The URLs, separated by commas.
  const std::string& url() const { return m_url; }
  // The one of them the next request goes to first; after an exchange that
  // succeeded, the one that answered it.
  const std::string& current_url() const { return m_urls[m_current]; }

 private:
  struct Transport;
  struct Answered;
  // Sends `body` until an instance answers (see Post).
  Result<Answered> Exchange(std::string_view method, const std::string& body, int attempts);

  std::vector<std::string> m_urls;
  std::string m_url;
  KeyPair m_key;
  Options m_options;
  int64_t m_clock_offset = 0;
  std::vector<std::unique_ptr<Transport>> m_transports;  // one per URL
  size_t m_current = 0;                                  // where to send next
};

// The URLs of a list separated by commas, each without spaces around it
// and trailing slashes; empty items left out (one "" when none is left).
std::vector<std::string> SplitUrls(const std::string& urls);

}  // namespace tollstream
