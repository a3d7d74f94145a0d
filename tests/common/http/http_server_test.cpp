// HttpServer: bodies from files' pages with sendfile, keep-alive and its
// limits, Connection: close, request bodies (sized and chunked), client
// addresses, HEAD, pipelined requests, refusals (431, 413) that are
// answered, and stopping with idle connections.
#include "common/http/http_server.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "common/base/files.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {
namespace {

constexpr size_t kSize = 3 * 1024 * 1024 + 17;  // more than a socket buffer holds

std::string Pattern(size_t size, char salt) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i)
    s[i] = static_cast<char>('a' + (i * 7 + static_cast<size_t>(salt)) % 26);
  return s;
}

struct Served {
  TempDir dir;
  std::string file_bytes = Pattern(kSize, 0);
  std::shared_ptr<const OpenFile> file;
  Metrics metrics;
  Metrics::Counter* sent = nullptr;
  HttpServer server;
  std::thread thread;
  int port = -1;

  // The file bytes counted once they reach `expected`: the server counts
  // after its sendfile returns, which may be after the client has them all.
  uint64_t SentOnceAt(uint64_t expected) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (sent->value() < expected && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return sent->value();
  }

  explicit Served(const std::function<void(ServerTuning&)>& configure = {}) {
    ServerTuning tuning;
    if (configure) configure(tuning);
    server.Tune(tuning);
    std::ofstream(dir / "f", std::ios::binary) << file_bytes;
    file = OpenFile::Open(dir / "f");
    REQUIRE(file);
    metrics.DeclareCounter("file_bytes", "test");
    sent = &metrics.counter("file_bytes");
    server.CountFileBytes(sent);
    // The whole file, or from ?from=N for ?length=M, the last byte apart.
    server.Get("/f", [this](const HttpRequest& req, HttpResponse& res) {
      size_t from = req.HasParam("from") ? std::stoul(req.Param("from")) : 0;
      size_t length = req.HasParam("length") ? std::stoul(req.Param("length")) : kSize - from;
      res.SetContentProvider(
          length, "application/octet-stream",
          [this, from, length](size_t offset, size_t, DataSink& sink) {
            if (offset < length - 1 && !sink.SendFile(file->fd(), static_cast<off_t>(from + offset),
                                                      length - 1 - offset)) {
              return false;
            }
            return sink.SendFile(file->fd(), static_cast<off_t>(from + length - 1), 1);
          });
    });
    server.Post("/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.SetContent(req.body, "application/octet-stream");
    });
    server.Get("/who", [](const HttpRequest& req, HttpResponse& res) {
      res.SetContent(req.remote_addr + " " + std::to_string(req.remote_port), "text/plain");
    });
    server.Get("/bye", [](const HttpRequest& req, HttpResponse& res) {
      res.SetHeader("Connection", "close");
      res.SetContent(req.remote_addr + " " + std::to_string(req.remote_port), "text/plain");
    });
    server.Get(R"(/n/(\d+))", [](const HttpRequest& req, HttpResponse& res) {
      res.SetContent("n=" + req.matches[1].str(), "text/plain");
    });
    server.Get("/chunks", [](const HttpRequest&, HttpResponse& res) {
      auto left = std::make_shared<int>(3);
      res.SetChunkedProvider("text/plain", [left](size_t, DataSink& sink) {
        if ((*left)-- == 0) {
          sink.Done();
          return true;
        }
        return sink.Write("ab", 2);
      });
    });
    port = server.Bind("127.0.0.1", 0);
    REQUIRE(port > 0);
    thread = std::thread([this] { server.Run(); });
    while (!server.IsRunning()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Served() {
    server.Stop();
    thread.join();
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_keep_alive(true);
    return c;
  }
  // Sends `bytes` on a new connection and returns all it gets back until
  // the server closes it (or 5 s pass).
  std::string Raw(const std::string& bytes) const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    std::string got;
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
    ::close(fd);
    return got;
  }
};

}  // namespace

TEST_CASE("a file region goes out by sendfile") {
  Served z;
  auto c = z.Client();
  auto res = c.Get("/f");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.size() == kSize);
  CHECK(res->body == z.file_bytes);
  CHECK(z.SentOnceAt(kSize) == kSize);
  // A region inside the file, on the same connection.
  res = c.Get("/f?from=1000&length=70000");
  REQUIRE(res);
  CHECK(res->body == z.file_bytes.substr(1000, 70000));
  CHECK(z.SentOnceAt(kSize + 70000) == kSize + 70000);
}

TEST_CASE("a file cut short after it was read: the answer is not completed") {
  Served z;
  REQUIRE(::truncate((z.dir / "f").c_str(), kSize / 2) == 0);
  auto res = z.Client().Get("/f");
  CHECK_FALSE(res);  // the connection closed before the promised length
}

TEST_CASE(
    "connections stay open for the next request, with the client's address, and bodies are read") {
  Served z([](ServerTuning& t) {
    t.keep_alive_max_count = 100;
    t.max_body_bytes = 1 << 20;
  });
  auto c = z.Client();
  auto first = c.Get("/who");
  REQUIRE(first);
  CHECK(first->body.starts_with("127.0.0.1 "));
  for (int i = 0; i < 20; ++i) {
    std::string body = Pattern(1 + static_cast<size_t>(i) * 5000, static_cast<char>(i));
    auto echoed = c.Post("/echo", body, "application/octet-stream");
    REQUIRE(echoed);
    CHECK(echoed->body == body);
  }
  auto again = c.Get("/who");
  REQUIRE(again);
  CHECK(again->body == first->body);  // the same connection all along
}

TEST_CASE("Connection: close and the keep-alive limit end a connection") {
  Served z([](ServerTuning& t) { t.keep_alive_max_count = 3; });
  auto c = z.Client();
  auto closing = c.Get("/bye");
  REQUIRE(closing);
  CHECK(closing->get_header_value("Connection") == "close");
  std::vector<std::string> seen;
  for (int i = 0; i < 6; ++i) {
    auto res = c.Get("/who");
    REQUIRE(res);
    seen.push_back(res->body);
  }
  CHECK(seen[0] != closing->body);  // a new connection after the close
  CHECK(seen[0] == seen[1]);
  CHECK(seen[1] == seen[2]);
  CHECK(seen[2] != seen[3]);  // three requests, then the server closed it
  CHECK(seen[3] == seen[5]);
}

TEST_CASE(
    "stopping the server ends idle keep-alive connections without waiting out their timeout") {
  auto z = std::make_unique<Served>([](ServerTuning& t) { t.keep_alive_timeout_seconds = 120; });
  auto c = z->Client();
  REQUIRE(c.Get("/who"));  // the connection now waits for a next request
  auto start = std::chrono::steady_clock::now();
  z.reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("routes match the whole path and give their groups; HEAD has no body") {
  Served z;
  auto c = z.Client();
  auto n = c.Get("/n/42");
  REQUIRE(n);
  CHECK(n->body == "n=42");
  auto none = c.Get("/n/42/x");
  REQUIRE(none);
  CHECK(none->status == 404);
  std::string head = z.Raw("HEAD /who HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(head.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(head.find("Content-Length: ") != std::string::npos);
  CHECK(head.ends_with("\r\n\r\n"));  // no body
}

TEST_CASE("pipelined requests are answered in order; a chunked body is decoded") {
  Served z;
  std::string got = z.Raw(
      "GET /n/1 HTTP/1.1\r\nHost: x\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n"
      "GET /n/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  size_t one = got.find("n=1"), echo = got.find("abcde"), two = got.find("n=2");
  REQUIRE(one != std::string::npos);
  REQUIRE(echo != std::string::npos);
  REQUIRE(two != std::string::npos);
  CHECK(one < echo);
  CHECK(echo < two);
  std::string chunks = z.Raw("GET /chunks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(chunks.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(chunks.ends_with("\r\n\r\n2\r\nab\r\n2\r\nab\r\n2\r\nab\r\n0\r\n\r\n"));
}

TEST_CASE("a request over a limit is answered with its status, and the connection closed") {
  Served z([](ServerTuning& t) { t.max_body_bytes = 1000; });
  std::string big_header(20000, 'a');
  CHECK(z.Raw("GET /who HTTP/1.1\r\nX: " + big_header + "\r\n\r\n").starts_with("HTTP/1.1 431 "));
  std::string many;
  for (int i = 0; i < 200; ++i) many += "X" + std::to_string(i) + ": y\r\n";
  CHECK(z.Raw("GET /who HTTP/1.1\r\n" + many + "\r\n").starts_with("HTTP/1.1 431 "));
  CHECK(z.Raw("POST /echo HTTP/1.1\r\nContent-Length: 200000000\r\n\r\n")
            .starts_with("HTTP/1.1 413 "));
  CHECK(z.Raw("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" +
              std::string(1024, 'x') + "\r\n")
            .starts_with("HTTP/1.1 413 "));
  CHECK(z.Raw("GET /who HTTP/1.1\r\nBad Header\r\n\r\n").starts_with("HTTP/1.1 400 "));
  CHECK(z.Raw("GET /who HTTP/2.0\r\n\r\n").starts_with("HTTP/1.1 505 "));
  // Still serving.
  auto ok = z.Client().Get("/who");
  REQUIRE(ok);
  CHECK(ok->status == 200);
}

TEST_CASE("a request that does not arrive whole within the read timeout is dropped") {
  Served z([](ServerTuning& t) {
    t.read_timeout_seconds = 1;
    t.keep_alive_timeout_seconds = 1;
  });
  auto start = std::chrono::steady_clock::now();
  std::string got = z.Raw("GET /who HTTP/1.1\r\nX: slow");  // never finished
  CHECK(got.empty());
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
}

}  // namespace tollstream::test
