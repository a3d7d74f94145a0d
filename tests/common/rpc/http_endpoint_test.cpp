// ServeSigned over real HTTP on a free loopback port: a toy signed service's
// methods at POST /v1/<method>; the HTTP layer's own failures (no route, a
// body too large, an exception in a handler) answered with signed errors;
// the connection policies; and the pages' paths left alone when only the
// API's 404s are signed.
#include "common/rpc/http_endpoint.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <optional>
#include <stdexcept>

#include "common/base/clock.h"
#include "common/crypto/random.h"
#include "common/wire/signing.h"
#include "tests/support/serving.h"

namespace tollstream::test {
namespace {

struct Served {
  KeyPair key = KeyPair::Generate();
  KeyPair tracker = KeyPair::Generate();
  KeyPair client = KeyPair::Generate();
  SignedService service{ServiceRules{key, tracker.public_key(), 120, 0, {}}};
  HttpServer server;
  std::optional<Serving> serving;

  explicit Served(EndpointOptions options = {}) {
    service.AddMethod("echo", [](const Request& req) -> Result<json> { return req.params; });
    service.AddMethod("fail",
                      [](const Request&) -> Result<json> { throw std::runtime_error("a bug"); });
    options.tuning.threads = 4;
    options.tuning.max_body_bytes = 4096;
    ServeSigned(server, service, options);
    server.Get("/page", [](const HttpRequest&, HttpResponse& res) {
      res.SetContent("a page", "text/plain");
    });
    serving.emplace(server);
  }
  httplib::Client Client() const { return httplib::Client("127.0.0.1", serving->port()); }
  json NewRequest(const std::string& method, json params) const {
    return SignRequest(client, method, tracker.public_key(), std::move(params), UnixNow(),
                       RandomHex(kNonceBytes));
  }
  // The signed answer in `res`, checked against the service's key.
  Response Parse(const httplib::Result& res, const std::optional<Hash256>& request) const {
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    auto parsed = ParseResponse(res->body, key.public_key(), request);
    REQUIRE_MESSAGE(parsed.ok(), res->body);
    CHECK(parsed->status == res->status);
    return *parsed;
  }
};

}  // namespace

TEST_CASE("a method answers at POST /v1/<method>, signed, on a kept connection") {
  Served s;
  auto http = s.Client();
  http.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) {
    json request = s.NewRequest("echo", {{"n", i}});
    auto res = http.Post("/v1/echo", request.dump(), "application/json");
    Response r = s.Parse(res, DigestOf(SignedKind::kRequest, request));
    CHECK(res->status == 200);
    CHECK(r.result == json{{"n", i}});
    CHECK(res->get_header_value("Connection") != "close");
    CHECK(http.is_socket_open());
  }
}

TEST_CASE("the HTTP layer's failures are signed errors of no request") {
  Served s;
  auto http = s.Client();
  struct Case {
    const char* what;
    httplib::Result res;
    int status;
    ErrorCode code;
    const char* message;
  };
  std::string big(5000, ' ');
  Case cases[] = {
      {"no route", http.Post("/v1/steal", "{}", "application/json"), 404, ErrorCode::kNotFound,
       "no route POST /v1/steal"},
      {"not the API", http.Get("/nowhere"), 404, ErrorCode::kNotFound, "no route GET /nowhere"},
      {"too large", http.Post("/v1/echo", big, "application/json"), 413, ErrorCode::kBodyTooLarge,
       "the body is over 4096 bytes"},
      {"an exception",
       http.Post("/v1/fail", s.NewRequest("fail", json::object()).dump(), "application/json"), 500,
       ErrorCode::kInternal, "internal error"},
  };
  for (auto& c : cases) {
    CAPTURE(c.what);
    Response r = s.Parse(c.res, std::nullopt);
    CHECK(c.res->status == c.status);
    CHECK(r.method.empty());
    CHECK_FALSE(r.request.has_value());
    REQUIRE(r.error);
    CHECK(r.error->code == c.code);
    CHECK(r.error->message == c.message);
  }
  CHECK(http.Get("/page")->body == "a page");  // a route added beside the methods
}

TEST_CASE("a node's endpoint: connections closed after envelopes, pages' 404s left empty") {
  EndpointOptions options;
  options.connections = ConnectionPolicy::kCloseUnlessPayload;
  options.not_found = EndpointOptions::NotFound::kApiPaths;
  options.wording = EndpointOptions::Wording::kRoute;
  Served s(options);
  auto http = s.Client();
  json request = s.NewRequest("echo", json::object());
  auto res = http.Post("/v1/echo", request.dump(), "application/json");
  s.Parse(res, DigestOf(SignedKind::kRequest, request));
  CHECK(res->get_header_value("Connection") == "close");

  auto nowhere = http.Get("/nowhere");
  REQUIRE(nowhere);
  CHECK(nowhere->status == 404);
  CHECK(nowhere->body.empty());
  auto steal = http.Post("/v1/steal", "{}", "application/json");
  Response r = s.Parse(steal, std::nullopt);
  CHECK(r.error->code == ErrorCode::kNotFound);
  CHECK(r.error->message == "HTTP 404 for POST /v1/steal");
  CHECK(steal->get_header_value("Connection") == "close");
  Response big = s.Parse(http.Post("/v1/echo", std::string(5000, ' '), "text/plain"), {});
  CHECK(big.error->message == "HTTP 413 for POST /v1/echo");
}

}  // namespace tollstream::test
