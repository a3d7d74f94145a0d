// SignedService without HTTP: a toy method answered and signed; every
// envelope fault refused with a signed error (echoing the request once it
// parsed); an unknown method refused with not_found; refusals told to the
// service's hook; the announcement of a method that names a commit
// pipeline handed to its handler, and submitted with its change.
#include "common/rpc/signed_service.h"

#include <doctest/doctest.h>

#include <vector>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/store/kv_store.h"
#include "common/wire/signing.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

struct Toy {
  KeyPair key = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  KeyPair client = KeyPair::Generate();
  std::vector<std::string> refusals;  // the codes told to on_refusal
  SignedService service;

  explicit Toy(int64_t clock_offset = 0)
      : service(
            ServiceRules{key, tracker.public_key(), 120, clock_offset, [this](const json& body) {
                           refusals.push_back(body["error"]["code"].get<std::string>());
                         }}) {
    // echo: answers its params; refuses {"no": true} with a conflict.
    service.AddMethod("echo", [](const Request& req) -> Result<json> {
      if (req.params.contains("no")) return MakeError(ErrorCode::kConflict, "no, as asked");
      return req.params;
    });
  }

  json NewRequest(const std::string& method, json params, int64_t ts = UnixNow()) const {
    return SignRequest(client, method, tracker.public_key(), std::move(params), ts,
                       RandomHex(kNonceBytes));
  }
  // The answer, parsed and checked: signed by the service's key.
  Response Parse(const Answer& answer, const std::optional<Hash256>& request) const {
    auto parsed = ParseResponse(answer.body, key.public_key(), request);
    REQUIRE_MESSAGE(parsed.ok(), answer.body);
    CHECK(parsed->status == answer.status);
    CHECK(answer.content_type == "application/json");
    return *parsed;
  }
};

Hash256 IdOf(const json& request) {
  return DigestOf(SignedKind::kRequest, request);
}

}  // namespace

TEST_CASE("a good request gets its result, signed, echoing the request") {
  Toy t;
  json request = t.NewRequest("echo", {{"say", "hello"}});
  Answer answer = t.service.Handle("echo", request.dump());
  CHECK(answer.status == 200);
  Response r = t.Parse(answer, IdOf(request));
  CHECK(r.method == "echo");
  CHECK(r.result == json{{"say", "hello"}});
  CHECK(r.ts >= UnixNow() - 1);
  CHECK(t.refusals.empty());
}

TEST_CASE("a refusal by the method is signed and echoes the request") {
  Toy t;
  json request = t.NewRequest("echo", {{"no", true}});
  Answer answer = t.service.Handle("echo", request.dump());
  CHECK(answer.status == 409);
  Response r = t.Parse(answer, IdOf(request));
  REQUIRE(r.error);
  CHECK(r.error->code == ErrorCode::kConflict);
  CHECK(t.refusals == std::vector<std::string>{"conflict"});
}

TEST_CASE("envelope faults are refused with signed errors") {
  Toy t;
  SUBCASE("not JSON: no request to echo") {
    Answer answer = t.service.Handle("echo", "{\"v\":");
    CHECK(answer.status == 400);
    Response r = t.Parse(answer, std::nullopt);
    CHECK_FALSE(r.request.has_value());
    CHECK(r.method == "echo");
    CHECK(r.error->code == ErrorCode::kMalformedJson);
  }
  SUBCASE("a bad signature") {
    json request = t.NewRequest("echo", {{"say", "hello"}});
    request["params"]["say"] = "goodbye";
    Answer answer = t.service.Handle("echo", request.dump());
    CHECK(answer.status == 400);
    CHECK(t.Parse(answer, std::nullopt).error->code == ErrorCode::kBadSignature);
  }
  SUBCASE("another tracker") {
    json request = SignRequest(t.client, "echo", KeyPair::Generate().public_key(), json::object(),
                               UnixNow(), RandomHex(kNonceBytes));
    Answer answer = t.service.Handle("echo", request.dump());
    CHECK(answer.status == 400);
    CHECK(t.Parse(answer, IdOf(request)).error->code == ErrorCode::kWrongTracker);
  }
  SUBCASE("a stale timestamp") {
    json request = t.NewRequest("echo", json::object(), UnixNow() - 121);
    Answer answer = t.service.Handle("echo", request.dump());
    CHECK(t.Parse(answer, IdOf(request)).error->code == ErrorCode::kStaleRequest);
  }
  SUBCASE("a method other than the route's") {
    t.service.AddMethod("other", [](const Request&) -> Result<json> { return json::object(); });
    json request = t.NewRequest("other", json::object());
    Answer answer = t.service.Handle("echo", request.dump());
    CHECK(t.Parse(answer, IdOf(request)).error->code == ErrorCode::kInvalidField);
  }
  CHECK(t.refusals.size() == 1);
}

TEST_CASE("the service's clock is the system clock plus its offset") {
  Toy t(/*clock_offset=*/1000);
  CHECK(t.service.Now() >= UnixNow() + 999);
  json late = t.NewRequest("echo", json::object(), UnixNow());
  CHECK(t.Parse(t.service.Handle("echo", late.dump()), IdOf(late)).error->code ==
        ErrorCode::kStaleRequest);
  json on_time = t.NewRequest("echo", json::object(), UnixNow() + 1000);
  Answer answer = t.service.Handle("echo", on_time.dump());
  CHECK(answer.status == 200);
  CHECK(t.Parse(answer, IdOf(on_time)).ts >= UnixNow() + 999);
}

TEST_CASE("an unknown method is refused with a signed not_found") {
  Toy t;
  json request = t.NewRequest("steal", json::object());
  Answer answer = t.service.Handle("steal", request.dump());
  CHECK(answer.status == 404);
  Response r = t.Parse(answer, std::nullopt);
  CHECK_FALSE(r.request.has_value());
  CHECK(r.error->code == ErrorCode::kNotFound);
  CHECK_FALSE(t.service.Has("steal"));
  CHECK(t.service.Has("echo"));
}

TEST_CASE("ErrorAnswer signs a refusal of no request") {
  Toy t;
  Answer answer = t.service.ErrorAnswer("", MakeError(ErrorCode::kBodyTooLarge, "too big"));
  CHECK(answer.status == 413);
  Response r = t.Parse(answer, std::nullopt);
  CHECK(r.method.empty());
  CHECK_FALSE(r.request.has_value());
  CHECK(r.error->message == "too big");
  CHECK(t.refusals == std::vector<std::string>{"body_too_large"});
}

TEST_CASE("a handler answers as it likes: a payload, or a whole body signed as it is") {
  Toy t;
  t.service.AddHandler("bytes", [](Call&) {
    Answer a;
    a.content_type = "application/octet-stream";
    a.bytes = std::make_shared<const std::string>("payload");
    return a;
  });
  t.service.AddHandler("stored", [&t](Call& call) {
    return call.Sign(ResponseBody(call.method(), t.service.public_key(), call.request().id,
                                  call.now() - 5, 200, {{"kept", true}}));
  });
  Answer bytes = t.service.Handle("bytes", t.NewRequest("bytes", json::object()).dump());
  CHECK(bytes.has_payload());
  CHECK(*bytes.bytes == "payload");
  json request = t.NewRequest("stored", json::object());
  Response stored = t.Parse(t.service.Handle("stored", request.dump()), IdOf(request));
  CHECK(stored.result == json{{"kept", true}});
  CHECK(stored.ts < UnixNow() - 3);
}

TEST_CASE("a method that names a commit pipeline gets its announcement") {
  TempDir dir;
  auto store = KvStore::Open(dir / "db");
  REQUIRE(store.ok());
  CommitPipeline pipeline(**store);
  Toy t;
  int announced = 0;
  t.service.AddHandler(
      "put",
      [&](Call& call) {
        REQUIRE(call.announcement() != nullptr);
        ++announced;
        if (call.request().params.contains("no")) {
          return call.Refuse(MakeError(ErrorCode::kConflict, "no"));  // releases it
        }
        auto seq = pipeline.Submit({{"k", std::string("v")}}, call.announcement());
        REQUIRE(seq.ok());
        REQUIRE(pipeline.WaitDurable(*seq).ok());
        return call.Ok({{"seq", *seq}});
      },
      &pipeline);
  t.service.AddHandler("look", [](Call& call) {
    CHECK(call.announcement() == nullptr);
    return call.Ok(json::object());
  });
  CHECK(t.service.Handle("put", t.NewRequest("put", json::object()).dump()).status == 200);
  CHECK(t.service.Handle("put", t.NewRequest("put", {{"no", true}}).dump()).status == 409);
  CHECK(t.service.Handle("put", "junk").status == 400);  // refused before the handler
  CHECK(t.service.Handle("look", t.NewRequest("look", json::object()).dump()).status == 200);
  CHECK(announced == 2);
  CHECK(pipeline.stats().changes == 1);
}

}  // namespace tollstream::test
