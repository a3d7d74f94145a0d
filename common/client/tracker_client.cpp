#include "common/client/tracker_client.h"

#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/wire/signing.h"

namespace tollstream {

struct TrackerClient::Transport {
  explicit Transport(const std::string& url, int timeout_ms) : client(url) {
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    auto timeout = std::chrono::milliseconds(timeout_ms);
    client.set_connection_timeout(timeout);
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
  }
  httplib::Client client;
};

TrackerClient::TrackerClient(std::string url, KeyPair key)
    : TrackerClient(std::move(url), std::move(key), Options{}) {}

TrackerClient::TrackerClient(std::string url, KeyPair key, Options options)
    : m_url(std::move(url)),
      m_key(std::move(key)),
      m_options(options),
      m_transport(std::make_unique<Transport>(m_url, options.timeout_ms)) {}

TrackerClient::~TrackerClient() = default;

json TrackerClient::MakeRequest(std::string_view method, json params) const {
  return SignRequest(m_key, method, method == "handshake" ? std::nullopt : m_tracker,
                     std::move(params), UnixNow() + m_clock_offset, RandomHex(kNonceBytes));
}

Result<Response> TrackerClient::Send(std::string_view method, const std::string& body,
                                     const std::optional<Hash256>& request_id) {
  std::string path = "/v1/" + std::string(method);
  int delay_ms = m_options.retry_delay_ms;
  std::string last_failure;
  for (int attempt = 0; attempt < m_options.attempts; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
      delay_ms *= 2;
    }
    auto res = m_transport->client.Post(path, body, "application/json");
    if (!res) {
      last_failure = httplib::to_string(res.error());
      continue;
    }
    return ParseResponse(res->body, method == "handshake" ? std::nullopt : m_tracker, request_id);
  }
  return MakeError(ErrorCode::kUpstream,
                   "no answer from the tracker at " + m_url + " (" + last_failure + ")");
}

Result<json> TrackerClient::Handshake() {
  json body = MakeRequest("handshake", json::object());
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto response = Send("handshake", body.dump(), id);
  if (!response) return response.error();
  if (response->error) return *response->error;
  const json& result = response->result;
  if (!result.contains("tracker") || result["tracker"] != response->signer.ToHex()) {
    return MakeError(ErrorCode::kUpstream, "handshake answer names a key other than its signer");
  }
  if (m_tracker && *m_tracker != response->signer) {
    return MakeError(ErrorCode::kUpstream, "the tracker's key changed: pinned " +
                                               m_tracker->ToHex() + ", now " +
                                               response->signer.ToHex());
  }
  m_tracker = response->signer;
  if (result.contains("time") && result["time"].is_number_integer()) {
    m_clock_offset = result["time"].get<int64_t>() - UnixNow();
  }
  return result;
}

Result<Response> TrackerClient::CallForAnswer(std::string_view method, json params) {
  if (!m_tracker)
    return MakeError(ErrorCode::kInternal, "call Handshake() before calling a method");
  json body = MakeRequest(method, std::move(params));
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto response = Send(method, body.dump(), id);
  if (!response) return response.error();
  if (response->error) return *response->error;
  return response;
}

Result<json> TrackerClient::Call(std::string_view method, json params) {
  auto response = CallForAnswer(method, std::move(params));
  if (!response) return response.error();
  return std::move(response->result);
}

}  // namespace tollstream
