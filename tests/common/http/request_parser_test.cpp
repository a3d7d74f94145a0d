// RequestParser: requests read whole from any split of their bytes, and
// every refusal with its status, having kept no more than the limits.
#include "common/http/request_parser.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace tollstream {
namespace {

RequestLimits Small() {
  RequestLimits l;
  l.max_request_line = 64;
  l.max_header_bytes = 256;
  l.max_header_count = 4;
  l.max_body_bytes = 16;
  return l;
}

// Feeds `bytes` in pieces of `piece` bytes; returns the parser's status
// (0 when done) and the bytes it left over.
std::pair<int, std::string> Parse(RequestParser& p, const std::string& bytes, size_t piece) {
  for (size_t at = 0; at < bytes.size(); at += piece) {
    std::string_view part = std::string_view(bytes).substr(at, piece);
    size_t used = p.Feed(part);
    if (p.done() || p.failed()) {
      return {p.status(), bytes.substr(at + used)};
    }
    REQUIRE(used == part.size());
  }
  return {-1, ""};  // incomplete
}

}  // namespace

TEST_CASE("a request is read whole however its bytes are split") {
  std::string req =
      "POST /v1/a%20b?x=1&y=a+b&z=%41 HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
      "X-Empty:\r\n\r\nhelloNEXT";
  for (size_t piece : {1, 2, 7, 1000}) {
    CAPTURE(piece);
    RequestParser p(Small());
    auto [status, rest] = Parse(p, req, piece);
    CHECK(status == 0);
    CHECK(rest == "NEXT");
    HttpRequest& r = p.request();
    CHECK(r.method == "POST");
    CHECK(r.path == "/v1/a b");
    CHECK(r.Param("x") == "1");
    CHECK(r.Param("y") == "a b");
    CHECK(r.Param("z") == "A");
    CHECK(r.Header("host") == "h");
    CHECK(r.HasHeader("X-Empty"));
    CHECK(r.body == "hello");
  }
}

TEST_CASE("chunked bodies are decoded, extensions and trailers skipped") {
  std::string req =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nTrailer: t\r\n\r\n";
  for (size_t piece : {1, 3, 1000}) {
    RequestParser p(Small());
    auto [status, rest] = Parse(p, req, piece);
    CHECK(status == 0);
    CHECK(p.request().body == "abc0123456789");
  }
}

TEST_CASE("every refusal has its status, found before more than the limit is kept") {
  struct Case {
    const char* what;
    std::string bytes;
    int status;
  };
  std::vector<Case> cases = {
      {"request line too long", "GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", 431},
      {"header line over the block", "GET / HTTP/1.1\r\nX: " + std::string(400, 'a'), 431},
      {"too many fields", "GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\n\r\n", 431},
      {"sized body too large", "POST / HTTP/1.1\r\nContent-Length: 17\r\n\r\n", 413},
      {"huge length", "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n", 413},
      {"chunks too large",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n12345678\r\n9\r\n", 413},
      {"chunk size huge",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n", 413},
      {"chunk size not hex", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
      {"chunk longer than its size",
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400},
      {"other coding", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
      {"both lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
       400},
      {"two lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
      {"bad length", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400},
      {"folded line", "GET / HTTP/1.1\r\nA: 1\r\n  more\r\n\r\n", 400},
      {"no colon", "GET / HTTP/1.1\r\nAbc\r\n\r\n", 400},
      {"bad request line", "GET /\r\n\r\n", 400},
      {"bad escape", "GET /%zz HTTP/1.1\r\n\r\n", 400},
      {"version", "GET / HTTP/2.0\r\n\r\n", 505},
      {"not http", "GET / FTP/1.0\r\n\r\n", 400},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    RequestParser p(Small());
    auto [status, rest] = Parse(p, c.bytes, 5);
    CHECK(status == c.status);
    CHECK_FALSE(p.reason().empty());
  }
}

TEST_CASE("a stray empty line before a request is skipped; a bare LF ends a line") {
  RequestParser p(Small());
  auto [status, rest] = Parse(p, "\r\nGET /x HTTP/1.0\nA: b\n\n", 4);
  CHECK(status == 0);
  CHECK(p.request().path == "/x");
  CHECK(p.request().Header("a") == "b");
}

}  // namespace tollstream
