// SignedClient against a signed service over real HTTP on a free loopback
// port: calls answered and checked (the signer, the request echoed); an
// answer by another key refused; refusals passed on with their codes; the
// same bytes sent again when no answer came; no answer at all named in the
// error; a request no URL of several answered sent to the next; a payload
// and a header of the answer kept as they came.
#include "common/rpc/signed_client.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <set>

#include "common/http/http_server.h"
#include "common/rpc/http_endpoint.h"
#include "common/wire/signing.h"
#include "tests/support/serving.h"

namespace tollstream::test {
namespace {

struct Served {
  KeyPair key;
  KeyPair tracker;
  SignedService service{ServiceRules{key, tracker.public_key(), 120, 0, {}}};
  std::atomic<int> calls{0};
  std::atomic<bool> unavailable{false};
  std::mutex mutex;
  std::set<std::string> nonces;  // of the requests "once" saw
  HttpServer server;
  std::optional<Serving> serving;

  // `key` signs its answers; requests name `tracker` (instances of one service share both).
  explicit Served(KeyPair key_ = KeyPair::Generate(), KeyPair tracker_ = KeyPair::Generate())
      : key(std::move(key_)), tracker(std::move(tracker_)) {
    service.AddMethod("echo", [](const Request& req) -> Result<json> { return req.params; });
    // maybe: 503 (nothing applied) while `unavailable`, else an empty result.
    service.AddMethod("maybe", [this](const Request&) -> Result<json> {
      ++calls;
      if (unavailable) return MakeError(ErrorCode::kUnavailable, "the store is away");
      return json::object();
    });
    service.AddMethod("refuse", [](const Request&) -> Result<json> {
      return MakeError(ErrorCode::kForbidden, "not you");
    });
    // once: drops the connection before the end of its first answer, answers the second.
    service.AddHandler("once", [this](Call& call) {
      {
        std::lock_guard lock(mutex);
        nonces.insert(call.request().nonce);
      }
      if (calls++ > 0) return call.Ok(json::object());
      Answer cut;
      cut.bytes = std::make_shared<const std::string>(1000, 'x');
      cut.complete_when = [] { return false; };
      return cut;
    });
    service.AddHandler("bytes", [](Call&) {
      Answer a;
      a.content_type = "application/octet-stream";
      a.bytes = std::make_shared<const std::string>(100000, 'b');
      a.headers.emplace_back("X-Statement", "signed elsewhere");
      return a;
    });
    ServeSigned(server, service, {});
    serving.emplace(server);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(serving->port()); }
};

}  // namespace

TEST_CASE("a call's answer is checked and its result or refusal passed on") {
  Served s;
  SignedClient client(s.url(), KeyPair::Generate(), {});
  auto answer = client.Call("echo", s.tracker.public_key(), {{"x", 1}}, s.key.public_key());
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(answer->result == json{{"x", 1}});
  CHECK(answer->signer == s.key.public_key());

  auto refused = client.Call("refuse", s.tracker.public_key(), json::object(), s.key.public_key());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == ErrorCode::kForbidden);

  auto other =
      client.Call("echo", s.tracker.public_key(), json::object(), KeyPair::Generate().public_key());
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == ErrorCode::kUpstream);

  json request = client.MakeRequest("echo", s.tracker.public_key(), json::object());
  auto wrong_id = client.Send("echo", request.dump(), s.key.public_key(),
                              DigestOf(SignedKind::kRequest, client.MakeRequest("echo", {}, {})));
  REQUIRE_FALSE(wrong_id.ok());
  CHECK(wrong_id.error().code == ErrorCode::kUpstream);
}

TEST_CASE("a request with no answer is sent again, the same bytes") {
  Served s;
  SignedClient::Options options;
  options.attempts = 2;
  SignedClient client(s.url(), KeyPair::Generate(), options);
  auto answer = client.Call("once", s.tracker.public_key(), json::object(), s.key.public_key());
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(s.calls == 2);
  CHECK(s.nonces.size() == 1);  // the same request twice

  SignedClient once(s.url(), KeyPair::Generate(), {});  // one send only
  s.calls = 0;
  auto lost = once.Call("once", s.tracker.public_key(), json::object(), s.key.public_key());
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::kUpstream);
}

TEST_CASE("no answer at all is an upstream error that names the peer") {
  HttpServer closed;
  int port = closed.Bind("127.0.0.1", 0);  // bound, never served
  REQUIRE(port > 0);
  closed.Stop();
  SignedClient::Options options;
  options.timeout_ms = 500;
  options.attempts = 3;
  options.retry_delay_ms = 1;
  options.peer = "the toy";
  SignedClient client("http://127.0.0.1:" + std::to_string(port), KeyPair::Generate(), options);
  auto answer = client.Call("echo", std::nullopt, json::object(), std::nullopt);
  REQUIRE_FALSE(answer.ok());
  CHECK(answer.error().code == ErrorCode::kUpstream);
  CHECK(answer.error().message.starts_with("no answer from the toy at http://127.0.0.1:"));
}

TEST_CASE("several URLs: what one does not answer goes to the next, the same bytes") {
  CHECK(SplitUrls(" http://a:1/, http://b:2 ,,") ==
        std::vector<std::string>{"http://a:1", "http://b:2"});
  CHECK(SplitUrls("http://a:1") == std::vector<std::string>{"http://a:1"});
  CHECK(SplitUrls(",") == std::vector<std::string>{""});

  HttpServer closed;
  int port = closed.Bind("127.0.0.1", 0);  // bound, never served
  REQUIRE(port > 0);
  closed.Stop();
  std::string gone = "http://127.0.0.1:" + std::to_string(port);
  Served a;
  Served b(a.key, a.tracker);  // two instances of one service
  b.calls = 1;                 // b answers "once" the first time
  SignedClient::Options options;
  options.timeout_ms = 2000;
  options.several_urls = true;
  SignedClient client(gone + "," + a.url() + "/, " + b.url(), KeyPair::Generate(), options);
  CHECK(client.url() == gone + "," + a.url() + "," + b.url());
  // The first is not there, the second cuts its answer short, the third answers.
  auto answer = client.Call("once", a.tracker.public_key(), json::object(), std::nullopt);
  REQUIRE_MESSAGE(answer.ok(), answer.error().message);
  CHECK(a.calls == 1);
  CHECK(b.calls == 2);
  CHECK(a.nonces == b.nonces);  // the same request
  CHECK(a.nonces.size() == 1);

  // The next request goes first to the one that answered.
  REQUIRE(client.Call("once", a.tracker.public_key(), json::object(), std::nullopt).ok());
  CHECK(a.calls == 1);
  CHECK(b.calls == 3);

  // Without several_urls, a comma is part of the one URL.
  SignedClient::Options one_url = options;
  one_url.several_urls = false;
  SignedClient single(b.url() + "," + a.url(), KeyPair::Generate(), one_url);
  CHECK(single.url() == b.url() + "," + a.url());
  CHECK_FALSE(single.Call("once", a.tracker.public_key(), json::object(), std::nullopt).ok());
  CHECK(b.calls == 3);

  // None answers: each was tried, and the error names them.
  SignedClient none(gone + "," + gone, KeyPair::Generate(), options);
  auto lost = none.Call("echo", std::nullopt, json::object(), std::nullopt);
  REQUIRE_FALSE(lost.ok());
  CHECK(lost.error().code == ErrorCode::kUpstream);
  CHECK(lost.error().message.find(gone + "," + gone) != std::string::npos);
}

TEST_CASE("several URLs: a 503 goes to the next, and is the answer when all say it") {
  Served a;
  Served b(a.key, a.tracker);
  a.unavailable = true;
  SignedClient::Options options;
  options.several_urls = true;
  options.attempts = 3;
  SignedClient client(a.url() + "," + b.url(), KeyPair::Generate(), options);
  auto served = client.Call("maybe", a.tracker.public_key(), json::object(), std::nullopt);
  REQUIRE_MESSAGE(served.ok(), served.error().message);
  CHECK(a.calls == 1);
  CHECK(b.calls == 1);

  b.unavailable = true;
  auto away = client.Call("maybe", a.tracker.public_key(), json::object(), std::nullopt);
  REQUIRE_FALSE(away.ok());
  CHECK(away.error().code == ErrorCode::kUnavailable);
  CHECK(a.calls + b.calls == 4);  // one round: each said 503 once
}

TEST_CASE("a payload comes whole, with the header asked for") {
  Served s;
  SignedClient::Options options;
  options.sized_answers = true;
  options.answer_header = "X-Statement";
  SignedClient client(s.url(), KeyPair::Generate(), options);
  json request = client.MakeRequest("bytes", s.tracker.public_key(), json::object());
  auto raw = client.Post("bytes", request.dump());
  REQUIRE(raw.ok());
  CHECK(raw->status == 200);
  CHECK(raw->content_type == "application/octet-stream");
  CHECK(raw->body == std::string(100000, 'b'));
  CHECK(raw->header == "signed elsewhere");
}

}  // namespace tollstream::test
