#include "peer/watch/broadcaster_client.h"

#include <httplib.h>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/http/sized_body.h"
#include "common/wire/fields.h"
#include "common/wire/signing.h"
#include "peer/peer_answer.h"

namespace tollstream {

struct BroadcasterClient::Transport {
  Transport(const std::string& url, int timeout_ms) : client(url) {
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    auto t = std::chrono::milliseconds(timeout_ms);
    client.set_connection_timeout(t);
    client.set_read_timeout(t);
    client.set_write_timeout(t);
  }
  httplib::Client client;
};

BroadcasterClient::BroadcasterClient(std::string url, KeyPair key, PublicKey tracker,
                                     PublicKey broadcaster, int64_t clock_offset, int timeout_ms)
    : m_url(std::move(url)),
      m_key(std::move(key)),
      m_tracker(tracker),
      m_broadcaster(broadcaster),
      m_origin(broadcaster),
      m_clock_offset(clock_offset),
      m_transport(std::make_unique<Transport>(m_url, timeout_ms)) {}

BroadcasterClient::~BroadcasterClient() = default;

json BroadcasterClient::MakeRequest(const std::string& method, json params) const {
  return SignRequest(m_key, method, m_tracker, std::move(params), UnixNow() + m_clock_offset,
                     RandomHex(kNonceBytes));
}

Result<BroadcasterClient::RawAnswer> BroadcasterClient::Post(const std::string& method,
                                                             const std::string& body) {
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/" + method;
  req.body = body;
  req.set_header("Content-Type", "application/json");
  auto res =
      SendSized(m_transport->client, std::move(req));  // a segment comes whole, in one buffer
  if (!res) {
    return MakeError(ErrorCode::kUpstream, "no answer from the broadcaster at " + m_url + " (" +
                                               httplib::to_string(res.error()) + ")");
  }
  return RawAnswer{res->status, res->get_header_value("Content-Type"), std::move(res->body),
                   res->get_header_value(kSegmentHeader)};
}

Result<json> BroadcasterClient::Call(const std::string& method, json params) {
  json body = MakeRequest(method, std::move(params));
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  auto raw = Post(method, body.dump());
  if (!raw) return raw.error();
  auto answer = ParseResponse(raw->body, m_broadcaster, id);
  if (!answer) return answer.error();
  if (answer->error) return *answer->error;
  return std::move(answer->result);
}

Result<json> BroadcasterClient::Stream(const std::string& stream) {
  return Call("stream", {{"stream", stream}});
}

Result<std::chrono::microseconds> BroadcasterClient::Probe(uint64_t size) {
  auto start = std::chrono::steady_clock::now();
  auto answer = Call("probe", {{"size", size}});
  if (!answer) return answer.error();
  auto pad = answer->find("pad");
  if (pad == answer->end() || !pad->is_string() ||
      pad->get_ref<const std::string&>().size() != size) {
    return MakeError(ErrorCode::kUpstream, "the probe's answer is not of the size asked");
  }
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

Result<json> BroadcasterClient::Offer(const Contract& contract, std::optional<uint64_t> from) {
  json params = {{"contract", contract.ToJson()}};
  if (from) params["from"] = *from;
  return Call("offer", std::move(params));
}

Result<BroadcasterClient::Delivery> BroadcasterClient::NextSegment(const std::string& contract_id,
                                                                   const Receipt& receipt) {
  json body = MakeRequest("segment", {{"contract", contract_id}, {"receipt", receipt.ToJson()}});
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  std::string text = body.dump();
  Result<RawAnswer> raw = MakeError(ErrorCode::kUpstream, "not sent");
  for (int attempt = 0; attempt < 2; ++attempt) {  // the same body again: the node resends
    raw = Post("segment", text);
    if (raw) break;
  }
  if (!raw) return raw.error();
  Delivery d;
  if (raw->status == 200 && raw->content_type == "application/octet-stream") {
    auto statement = ParseSegmentStatement(raw->segment_header);
    if (!statement)
      return MakeError(ErrorCode::kBadSignature, "segment statement: " + statement.error().message);
    if (statement->broadcaster != m_origin) {
      return MakeError(ErrorCode::kBadSignature,
                       "the segment is not signed by the stream's origin");
    }
    d.kind = Delivery::Kind::kSegment;
    d.statement = std::move(*statement);
    d.bytes = std::move(raw->body);
    return d;
  }
  auto answer = ParseResponse(raw->body, m_broadcaster, id);
  if (!answer) return answer.error();
  if (answer->error) return *answer->error;
  std::string state = FindString(answer->result, "state").value_or("");
  if (state != "wait" && state != "end") {
    return MakeError(ErrorCode::kUpstream, "unexpected segment answer state \"" + state + "\"");
  }
  d.kind = state == "wait" ? Delivery::Kind::kWait : Delivery::Kind::kEnd;
  d.result = std::move(answer->result);
  return d;
}

Result<json> BroadcasterClient::Close(const std::string& contract_id, const Receipt& receipt) {
  return Call("close", {{"contract", contract_id}, {"receipt", receipt.ToJson()}});
}

}  // namespace tollstream
