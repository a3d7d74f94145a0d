#include "common/client/tracker_client.h"

#include "common/base/clock.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

SignedClient::Options ClientOptions(const TrackerClient::Options& options) {
  SignedClient::Options o;
  o.timeout_ms = options.timeout_ms;
  o.attempts = options.attempts;
  o.retry_delay_ms = options.retry_delay_ms;
  o.peer = "the tracker";
  o.several_urls = true;  // trackers sharing one ledger
  return o;
}

}  // namespace

TrackerClient::TrackerClient(std::string url, KeyPair key)
    : TrackerClient(std::move(url), std::move(key), Options{}) {}

TrackerClient::TrackerClient(std::string url, KeyPair key, Options options)
    : m_client(std::move(url), std::move(key), ClientOptions(options)) {}

TrackerClient::~TrackerClient() = default;

json TrackerClient::MakeRequest(std::string_view method, json params) const {
  return m_client.MakeRequest(method, method == "handshake" ? std::nullopt : m_tracker,
                              std::move(params));
}

Result<Response> TrackerClient::Send(std::string_view method, const std::string& body,
                                     const std::optional<Hash256>& request_id) {
  return m_client.Send(method, body, method == "handshake" ? std::nullopt : m_tracker, request_id);
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
    m_client.set_clock_offset(result["time"].get<int64_t>() - UnixNow());
  }
  return result;
}

Result<Response> TrackerClient::CallForAnswer(std::string_view method, json params) {
  if (!m_tracker)
    return MakeError(ErrorCode::kInternal, "call Handshake() before calling a method");
  return m_client.Call(method, m_tracker, std::move(params), m_tracker);
}

Result<json> TrackerClient::Call(std::string_view method, json params) {
  auto response = CallForAnswer(method, std::move(params));
  if (!response) return response.error();
  return std::move(response->result);
}

}  // namespace tollstream
