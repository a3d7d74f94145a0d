#include "common/rpc/signed_service.h"

#include "common/base/clock.h"
#include "common/wire/signing.h"

namespace tollstream {

Answer Call::Ok(json result) const {
  return m_service.Signed(
      ResponseBody(m_method, m_service.public_key(), m_request.id, m_now, 200, std::move(result)),
      200);
}

Answer Call::Refuse(const Error& error) const {
  if (m_announcement) m_announcement->Release();  // nothing to wait for
  return m_service.Signed(ErrorBody(m_method, m_service.public_key(), m_request.id, m_now, error),
                          HttpStatus(error.code));
}

Answer Call::Sign(json body) const {
  return m_service.Sign(std::move(body));
}

SignedService::SignedService(ServiceRules rules) : m_rules(std::move(rules)) {}

int64_t SignedService::Now() const {
  return UnixNow() + m_rules.clock_offset;
}

void SignedService::AddHandler(std::string name, Handler handler, CommitPipeline* announce_to) {
  m_methods[std::move(name)] = Entry{std::move(handler), announce_to};
}

void SignedService::AddMethod(std::string name, Method method) {
  AddHandler(std::move(name), [method = std::move(method)](Call& call) {
    auto result = method(call.request());
    if (!result) return call.Refuse(result.error());
    return call.Ok(std::move(*result));
  });
}

Answer SignedService::Signed(json body, int status) const {
  SignInPlace(SignedKind::kResponse, m_rules.key, body);
  if (status != 200 && m_rules.on_refusal) m_rules.on_refusal(body);
  Answer answer;
  answer.status = status;
  answer.body = body.dump();
  return answer;
}

Answer SignedService::Sign(json body) const {
  int status = body["status"].get<int>();
  return Signed(std::move(body), status);
}

Answer SignedService::ErrorAnswer(std::string_view method, const Error& error) const {
  return SignError(method, error, std::nullopt);
}

Answer SignedService::SignResult(std::string_view method, const std::optional<Hash256>& request,
                                 json result) const {
  return Signed(ResponseBody(method, public_key(), request, Now(), 200, std::move(result)), 200);
}

Answer SignedService::SignError(std::string_view method, const Error& error,
                                const std::optional<Hash256>& request) const {
  return Signed(ErrorBody(method, public_key(), request, Now(), error), HttpStatus(error.code));
}

Answer SignedService::Handle(std::string_view method, std::string_view body) const {
  int64_t now = Now();
  auto entry = m_methods.find(method);
  if (entry == m_methods.end()) {
    Error unknown = MakeError(ErrorCode::kNotFound, "no method " + std::string(method));
    return Signed(ErrorBody(method, public_key(), std::nullopt, now, unknown),
                  HttpStatus(unknown.code));
  }
  std::optional<CommitPipeline::Announcement> coming;
  if (entry->second.announce_to) coming.emplace(entry->second.announce_to->Announce());
  auto request = ParseRequest(body);
  if (!request) {
    coming.reset();
    return Signed(ErrorBody(method, public_key(), std::nullopt, now, request.error()),
                  HttpStatus(request.error().code));
  }
  Call call(*this, method, *request, now, coming ? &*coming : nullptr);
  if (Status s = CheckRequest(*request, method, m_rules.tracker, now, m_rules.max_clock_skew); !s) {
    return call.Refuse(s.error());
  }
  return entry->second.handler(call);
}

}  // namespace tollstream
