// A signed service: a table of methods and the intake every request takes,
// whoever serves it (the tracker, a broadcasting node, any later one).
//
// Handle(method, body), for a method in the table:
//   1. when the method names a commit pipeline, a change is announced to it
//      (CommitPipeline::Announce), before the slow part below;
//   2. the body is parsed and its signature checked (ParseRequest);
//   3. the envelope is checked against the service's rules (CheckRequest):
//      the method is the route's, the tracker named is `tracker`, `ts` is
//      within `max_clock_skew` of the service's clock;
//   4. the method's handler runs with the checked request (a Call) and
//      returns the answer, usually a result or a refusal the Call signs.
// A refusal at any step is a signed error answer that echoes the request
// id once the request parsed (null before); a refusal before the handler
// runs releases the announcement (nothing will be submitted). An unknown
// method is refused with a signed not_found. Every signed answer is stamped
// with the service's clock as the request arrived, and signed by `key`.
//
// Thread-safe once every method is added: Handle may be called from any
// number of threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/rpc/answer.h"
#include "common/store/commit_pipeline.h"
#include "common/wire/envelope.h"
#include "common/wire/json.h"

namespace tollstream {

struct ServiceRules {
  KeyPair key;                   // signs every answer
  PublicKey tracker;             // the tracker requests must name (a tracker names itself)
  int64_t max_clock_skew = 120;  // seconds a request's ts may differ from the service's clock
  // The service's clock: the system clock plus this many seconds (a node
  // keeps its tracker's time, learned at the handshake).
  int64_t clock_offset = 0;
  // Told of every signed refusal, with its unsigned body (e.g. to count it by code).
  std::function<void(const json& body)> on_refusal;
};

class SignedService;

// One checked request on its way to its answer.
class Call {
 public:
  std::string_view method() const { return m_method; }
  const Request& request() const { return m_request; }
  // The service's clock as the request arrived.
  int64_t now() const { return m_now; }
  // The change announced as the request arrived, for a method that names a
  // commit pipeline (submit with it, or release it); else null.
  CommitPipeline::Announcement* announcement() const { return m_announcement; }

  // 200 with `result`.
  Answer Ok(json result) const;
  // The signed refusal; releases the announcement.
  Answer Refuse(const Error& error) const;
  // `body`, a whole unsigned answer (ResponseBody or ErrorBody: a stored
  // answer sent again), signed as it is.
  Answer Sign(json body) const;

 private:
  friend class SignedService;
  Call(const SignedService& service, std::string_view method, const Request& request, int64_t now,
       CommitPipeline::Announcement* announcement)
      : m_service(service),
        m_method(method),
        m_request(request),
        m_now(now),
        m_announcement(announcement) {}

  const SignedService& m_service;
  std::string_view m_method;
  const Request& m_request;
  int64_t m_now;
  CommitPipeline::Announcement* m_announcement;
};

class SignedService {
 public:
  // The answer to a checked request.
  using Handler = std::function<Answer(Call& call)>;
  // The common case: the result, signed into a 200 answer, or an Error, signed into a refusal.
  using Method = std::function<Result<json>(const Request& request)>;

  explicit SignedService(ServiceRules rules);

  // Adds `name` (served at POST /v1/<name>). `announce_to`: the pipeline its
  // change goes to, announced as each request arrives. Not thread-safe:
  // add every method before serving.
  void AddHandler(std::string name, Handler handler, CommitPipeline* announce_to = nullptr);
  void AddMethod(std::string name, Method method);

  bool Has(std::string_view method) const { return m_methods.contains(method); }
  // Calls f(name) for each method, in name order.
  template <typename F>
  void ForEachMethod(F f) const {
    for (const auto& entry : m_methods) f(entry.first);
  }

  Answer Handle(std::string_view method, std::string_view body) const;
  // A signed refusal of a request that was not parsed (request null), such as
  // a failure the HTTP layer found (no route, a body too large).
  Answer ErrorAnswer(std::string_view method, const Error& error) const;
  // Signed answers made outside a Call, stamped with the clock now.
  Answer SignResult(std::string_view method, const std::optional<Hash256>& request,
                    json result) const;
  Answer SignError(std::string_view method, const Error& error,
                   const std::optional<Hash256>& request) const;
  // A whole unsigned answer body, signed as it is; its status is the answer's.
  Answer Sign(json body) const;

  const PublicKey& public_key() const { return m_rules.key.public_key(); }
  const ServiceRules& rules() const { return m_rules; }
  // The service's clock, in Unix seconds.
  int64_t Now() const;

 private:
  friend class Call;
  struct Entry {
    Handler handler;
    CommitPipeline* announce_to = nullptr;
  };
  Answer Signed(json body, int status) const;

  ServiceRules m_rules;
  std::map<std::string, Entry, std::less<>> m_methods;
};

}  // namespace tollstream
