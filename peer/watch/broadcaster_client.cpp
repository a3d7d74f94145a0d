#include "peer/watch/broadcaster_client.h"

#include "common/wire/fields.h"
#include "common/wire/signing.h"

namespace tollstream {
namespace {

SignedClient::Options ClientOptions(int timeout_ms) {
  SignedClient::Options o;
  o.timeout_ms = timeout_ms;
  o.sized_answers = true;  // a segment comes whole, in one buffer
  o.peer = "the broadcaster";
  o.answer_header = kSegmentHeader;
  return o;
}

}  // namespace

BroadcasterClient::BroadcasterClient(std::string url, KeyPair key, PublicKey tracker,
                                     PublicKey broadcaster, int64_t clock_offset, int timeout_ms)
    : m_client(std::move(url), std::move(key), ClientOptions(timeout_ms)),
      m_tracker(tracker),
      m_broadcaster(broadcaster),
      m_origin(broadcaster) {
  m_client.set_clock_offset(clock_offset);
}

BroadcasterClient::~BroadcasterClient() = default;

json BroadcasterClient::MakeRequest(const std::string& method, json params) const {
  return m_client.MakeRequest(method, m_tracker, std::move(params));
}

Result<BroadcasterClient::RawAnswer> BroadcasterClient::Post(const std::string& method,
                                                             const std::string& body) {
  return m_client.Post(method, body);
}

Result<json> BroadcasterClient::Call(const std::string& method, json params) {
  auto answer = m_client.Call(method, m_tracker, std::move(params), m_broadcaster);
  if (!answer) return answer.error();
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
                                                                   const Receipt& receipt,
                                                                   const std::string& rendition) {
  json params = {{"contract", contract_id}, {"receipt", receipt.ToJson()}};
  if (!rendition.empty()) params["rendition"] = rendition;
  json body = MakeRequest("segment", params);
  Hash256 id = DigestOf(SignedKind::kRequest, body);
  // Sent twice at most, the same bytes: the node sends the same segment again.
  auto raw = m_client.Post("segment", body.dump(), 2);
  if (!raw) return raw.error();
  Delivery d;
  if (raw->status == 200 && raw->content_type == "application/octet-stream") {
    auto statement = ParseSegmentStatement(raw->header);
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
