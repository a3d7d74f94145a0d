// SendSized: a body read into one buffer set aside from its Content-Length,
// the same bytes as cpp-httplib's own reading, and no more set aside than
// kMaxSizedBody whatever a server claims.
#include "common/http/sized_body.h"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <optional>
#include <thread>

#include "tests/support/serving.h"

namespace tollstream::test {
namespace {

constexpr size_t kSize = 3 * 1024 * 1024 + 17;

// Answers of each kind, served until destroyed.
struct Served {
  HttpServer server;
  std::string big = std::string(kSize, 'b');
  std::optional<Serving> serving;
  int port = -1;

  Served() {
    ServerTuning tuning;
    tuning.max_body_bytes = 2 * kSize;
    server.Tune(tuning);
    server.Get("/big", [this](const HttpRequest&, HttpResponse& res) {
      res.SetContent(big, "application/octet-stream");
    });
    server.Post("/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.SetContent(req.body, "application/octet-stream");
    });
    server.Get("/missing", [](const HttpRequest&, HttpResponse& res) {
      res.status = 404;
      res.SetContent("no such thing\n", "text/plain");
    });
    server.Get("/chunked", [](const HttpRequest&, HttpResponse& res) {
      res.SetChunkedProvider("text/plain", [](size_t offset, DataSink& sink) {
        if (offset >= 3000) {
          sink.Done();
          return true;
        }
        sink.Write(std::string(1000, static_cast<char>('x' + offset / 1000)).data(), 1000);
        return true;
      });
    });
    serving.emplace(server);
    port = serving->port();
  }
};

httplib::Request Make(const std::string& method, const std::string& path, std::string body = "") {
  httplib::Request req;
  req.method = method;
  req.path = path;
  req.body = std::move(body);
  if (!req.body.empty()) req.set_header("Content-Type", "application/octet-stream");
  return req;
}

}  // namespace

TEST_CASE("a body comes whole into one buffer of its announced size, request after request") {
  Served s;
  httplib::Client c("127.0.0.1", s.port);
  c.set_keep_alive(true);
  for (int i = 0; i < 2; ++i) {
    auto res = SendSized(c, Make("GET", "/big"));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == s.big);
    // Set aside once, at its size: a body grown as it came, by doubling,
    // would hold a power of two, 4 MiB.
    CHECK(res->body.capacity() >= kSize);
    CHECK(res->body.capacity() < kSize + 4096);
  }
  std::string sent(100000, 'p');
  auto echoed = SendSized(c, Make("POST", "/echo", sent));
  REQUIRE(echoed);
  CHECK(echoed->body == sent);
}

TEST_CASE("an answer of any status, or one without a length, comes whole") {
  Served s;
  httplib::Client c("127.0.0.1", s.port);
  auto missing = SendSized(c, Make("GET", "/missing"));
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->body == "no such thing\n");
  auto chunked = SendSized(c, Make("GET", "/chunked"));
  REQUIRE(chunked);
  CHECK(chunked->body == std::string(1000, 'x') + std::string(1000, 'y') + std::string(1000, 'z'));
}

TEST_CASE(
    "what is set aside: the announced size, at most kMaxSizedBody, nothing for what is not a "
    "number") {
  CHECK(SizedBodyReservation("123") == 123);
  CHECK(SizedBodyReservation("0") == 0);
  CHECK(SizedBodyReservation(std::to_string(kMaxSizedBody)) == kMaxSizedBody);
  CHECK(SizedBodyReservation("1000000000000") == kMaxSizedBody);
  CHECK(SizedBodyReservation("99999999999999999999999") == 0);  // beyond any size
  CHECK(SizedBodyReservation("") == 0);
  CHECK(SizedBodyReservation("abc") == 0);
  CHECK(SizedBodyReservation("+5") == 0);
  CHECK(SizedBodyReservation("-5") == 0);
  CHECK(SizedBodyReservation("5 ") == 0);
}

TEST_CASE("a server announcing a huge body and sending little: an error") {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  REQUIRE(::listen(listener, 1) == 0);
  socklen_t len = sizeof(addr);
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  std::jthread liar([listener] {
    int fd = ::accept(listener, nullptr, nullptr);
    if (fd < 0) return;
    char request[4096];
    (void)::recv(fd, request, sizeof(request), 0);
    const std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\nabc";
    (void)::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  httplib::Client c("127.0.0.1", ntohs(addr.sin_port));
  c.set_read_timeout(std::chrono::seconds(5));
  auto res = SendSized(c, Make("GET", "/"));
  liar.join();  // (a jthread: joined on the way out, too)
  ::close(listener);
  CHECK_FALSE(res);
  CHECK(res.error() == httplib::Error::Read);
}

}  // namespace tollstream::test
