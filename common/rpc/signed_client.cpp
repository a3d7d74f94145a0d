#include "common/rpc/signed_client.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/http/sized_body.h"
#include "common/wire/signing.h"

namespace tollstream {

struct SignedClient::Transport {
  Transport(const std::string& url, int timeout_ms) : client(url) {
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    auto timeout = std::chrono::milliseconds(timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
  }

  // One send of `body` to `path`.
  httplib::Result Send(const std::string& path, const std::string& body, bool sized) {
    if (!sized) return client.Post(path, body, "application/json");
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.body = body;
    req.set_header("Content-Type", "application/json");
    return SendSized(client, std::move(req));  // a payload comes whole, in one buffer
  }

  // Sends `body` to /v1/<method>: `attempts` sends at most, until one is answered.
  Result<httplib::Result> Exchange(std::string_view method, const std::string& body, int attempts,
                                   const Options& options, const std::string& url) {
    std::string path = "/v1/" + std::string(method);
    if (attempts <= 0) attempts = options.attempts;
    int delay_ms = options.retry_delay_ms;
    std::string last_failure;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0 && delay_ms > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        delay_ms *= 2;
      }
      auto res = Send(path, body, options.sized_answers);
      if (res) return res;
      last_failure = httplib::to_string(res.error());
    }
    return MakeError(ErrorCode::kUpstream, "no answer from " + std::string(options.peer) + " at " +
                                               url + " (" + last_failure + ")");
  }

  httplib::Client client;
};

namespace {

// `url` without the slashes a user may end it with ("http://host:port/").
std::string WithoutTrailingSlashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

SignedClient::SignedClient(std::string url, KeyPair key, Options options)
    : m_url(WithoutTrailingSlashes(std::move(url))),
      m_key(std::move(key)),
      m_options(options),
      m_transport(std::make_unique<Transport>(m_url, options.timeout_ms)) {}

SignedClient::~SignedClient() = default;

json SignedClient::MakeRequest(std::string_view method, const std::optional<PublicKey>& tracker,
                               json params) const {
  return SignRequest(m_key, method, tracker, std::move(params), UnixNow() + m_clock_offset,
                     RandomHex(kNonceBytes));
}

Result<SignedClient::RawAnswer> SignedClient::Post(std::string_view method, const std::string& body,
                                                   int attempts) {
  auto res = m_transport->Exchange(method, body, attempts, m_options, m_url);
  if (!res) return res.error();
  RawAnswer answer{
      (*res)->status, (*res)->get_header_value("Content-Type"), std::move((*res)->body), {}};
  if (!m_options.answer_header.empty()) {
    answer.header = (*res)->get_header_value(std::string(m_options.answer_header));
  }
  return answer;
}

Result<Response> SignedClient::Send(std::string_view method, const std::string& body,
                                    const std::optional<PublicKey>& signer,
                                    const std::optional<Hash256>& request) {
  auto res = m_transport->Exchange(method, body, 0, m_options, m_url);
  if (!res) return res.error();
  return ParseResponse((*res)->body, signer, request);
}

Result<Response> SignedClient::Call(std::string_view method,
                                    const std::optional<PublicKey>& tracker, json params,
                                    const std::optional<PublicKey>& signer) {
  json body = MakeRequest(method, tracker, std::move(params));
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto response = Send(method, body.dump(), signer, id);
  if (!response) return response.error();
  if (response->error) return *response->error;
  return response;
}

}  // namespace tollstream
