// X-Forwarded-For and X-Forwarded-Proto, believed from trusted proxies only.
#include "common/http/forwarded.h"

#include <doctest/doctest.h>

namespace tollstream {
namespace {

HttpRequest From(const std::string& peer, const std::string& forwarded_for,
                 const std::string& proto = "") {
  HttpRequest req;
  req.remote_addr = peer;
  if (!forwarded_for.empty()) req.headers.Add("X-Forwarded-For", forwarded_for);
  if (!proto.empty()) req.headers.Add("X-Forwarded-Proto", proto);
  return req;
}

std::string ClientOf(HttpRequest req, const std::vector<std::string>& trusted) {
  ResolveForwarded(req, trusted);
  return req.client_addr + " " + req.scheme;
}

}  // namespace

TEST_CASE("from a trusted proxy, the client is the last untrusted hop it names") {
  std::vector<std::string> trusted = {"127.0.0.1", "10.0.0.2"};
  CHECK(ClientOf(From("127.0.0.1", "203.0.113.9", "https"), trusted) == "203.0.113.9 https");
  // A client's own X-Forwarded-For is kept to the left, and not believed.
  CHECK(ClientOf(From("127.0.0.1", "6.6.6.6, 203.0.113.9"), trusted) == "203.0.113.9 http");
  // Two proxies of ours in a row.
  CHECK(ClientOf(From("127.0.0.1", "198.51.100.7,10.0.0.2"), trusted) == "198.51.100.7 http");
  CHECK(ClientOf(From("127.0.0.1", "2001:db8::0001"), trusted) == "2001:db8::1 http");
  // The proxy seen by a server on [::], and a mapped address forwarded.
  CHECK(ClientOf(From("::ffff:127.0.0.1", "::ffff:203.0.113.9", "https"), trusted) ==
        "203.0.113.9 https");
  // Nothing forwarded, or garbage: the proxy itself (the last good hop).
  CHECK(ClientOf(From("127.0.0.1", ""), trusted) == "127.0.0.1 http");
  CHECK(ClientOf(From("127.0.0.1", "<script>"), trusted) == "127.0.0.1 http");
  CHECK(ClientOf(From("127.0.0.1", "203.0.113.9", "gopher"), trusted) == "203.0.113.9 http");
}

TEST_CASE("from anyone else, or with no proxy configured, the headers are ignored") {
  CHECK(ClientOf(From("192.0.2.1", "203.0.113.9", "https"), {"127.0.0.1"}) == "192.0.2.1 http");
  CHECK(ClientOf(From("127.0.0.1", "203.0.113.9", "https"), {}) == "127.0.0.1 http");
}

TEST_CASE("a list of proxies is parsed and normalized, and a wrong one is named") {
  auto list = ParseAddressList("127.0.0.1, ::0001,10.0.0.2");
  REQUIRE(list.ok());
  CHECK(*list == std::vector<std::string>{"127.0.0.1", "::1", "10.0.0.2"});
  auto bad = ParseAddressList("127.0.0.1,localhost");
  REQUIRE(!bad.ok());
  CHECK(bad.error().message == "\"localhost\" is not an IP address");
  CHECK(!ParseAddressList("").ok());
  CHECK(!ParseAddressList("10.0.0.0/8").ok());
}

}  // namespace tollstream
