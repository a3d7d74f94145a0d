// ZeroCopyServer: bodies from files' pages with sendfile, and cpp-httplib's
// behaviour kept (keep-alive and its limits, Connection: close, request
// bodies, client addresses, stopping with idle connections).
//
// To tell the ways of sending apart, the tests give SendFileRegion memory
// that differs from the file: a client that gets the file's bytes got them
// by sendfile, or, when no memory is given, read from the file.
#include "common/http/zero_copy_server.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include "common/http/bind.h"
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
  std::string memory = Pattern(kSize, 3);  // what a plain server sends instead
  std::shared_ptr<const OpenFile> file;
  Metrics metrics;
  Metrics::Counter* sent = nullptr;
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
  int port = -1;

  explicit Served(std::unique_ptr<httplib::Server> s,
                  const std::function<void(httplib::Server&)>& configure = {})
      : server(std::move(s)) {
    if (configure) configure(*server);
    std::ofstream(dir / "f", std::ios::binary) << file_bytes;
    file = OpenFile::Open(dir / "f");
    REQUIRE(file);
    metrics.DeclareCounter("file_bytes", "test");
    sent = &metrics.counter("file_bytes");
    if (auto* z = dynamic_cast<ZeroCopyServer*>(server.get())) z->CountFileBytes(sent);
    // The whole file, or from ?from=N for ?length=M, the last byte apart;
    // with ?memory=no, no bytes in memory are given.
    server->Get("/f", [this](const httplib::Request& req, httplib::Response& res) {
      size_t from = req.has_param("from") ? std::stoul(req.get_param_value("from")) : 0;
      size_t length =
          req.has_param("length") ? std::stoul(req.get_param_value("length")) : kSize - from;
      bool in_memory = req.get_param_value("memory") != "no";
      res.set_content_provider(
          length, "application/octet-stream",
          [this, from, length, in_memory](size_t offset, size_t, httplib::DataSink& sink) {
            auto mem = [&](size_t at) { return in_memory ? memory.data() + from + at : nullptr; };
            if (offset < length - 1 &&
                !SendFileRegion(sink, *file, static_cast<off_t>(from + offset), length - 1 - offset,
                                mem(offset))) {
              return false;
            }
            return SendFileRegion(sink, *file, static_cast<off_t>(from + length - 1), 1,
                                  mem(length - 1));
          });
    });
    server->Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    server->Get("/who", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.remote_addr + " " + std::to_string(req.remote_port), "text/plain");
    });
    server->Get("/bye", [](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Connection", "close");
      res.set_content(req.remote_addr + " " + std::to_string(req.remote_port), "text/plain");
    });
    port = BindServer(*server, "127.0.0.1", 0);
    REQUIRE(port > 0);
    thread = std::thread([this] { server->listen_after_bind(); });
    while (!server->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Served() {
    server->stop();
    thread.join();
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port);
    c.set_keep_alive(true);
    return c;
  }
};

}  // namespace

TEST_CASE(
    "a file region goes out by sendfile on a ZeroCopyServer, from memory on any other server") {
  {
    Served z(std::make_unique<ZeroCopyServer>());
    auto c = z.Client();
    auto res = c.Get("/f");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.size() == kSize);
    CHECK(res->body == z.file_bytes);
    CHECK(z.sent->value() == kSize);
    // A region inside the file, on the same connection.
    res = c.Get("/f?from=1000&length=70000");
    REQUIRE(res);
    CHECK(res->body == z.file_bytes.substr(1000, 70000));
    CHECK(z.sent->value() == kSize + 70000);
  }
  {
    Served plain(std::make_unique<httplib::Server>());
    auto res = plain.Client().Get("/f");
    REQUIRE(res);
    CHECK(res->body == plain.memory);
    CHECK(plain.sent->value() == 0);
  }
}

TEST_CASE(
    "a file region with no bytes in memory: by sendfile, or else read from the file in pieces") {
  {
    Served z(std::make_unique<ZeroCopyServer>());
    auto c = z.Client();
    auto res = c.Get("/f?memory=no");
    REQUIRE(res);
    CHECK(res->body == z.file_bytes);
    CHECK(z.sent->value() == kSize);
    res = c.Get("/f?from=300000&length=400001&memory=no");
    REQUIRE(res);
    CHECK(res->body == z.file_bytes.substr(300000, 400001));
  }
  {
    Served plain(std::make_unique<httplib::Server>());
    auto res = plain.Client().Get("/f?memory=no");
    REQUIRE(res);
    CHECK(res->body == plain.file_bytes);
    CHECK(plain.sent->value() == 0);
    // Cut short: the answer is not completed.
    REQUIRE(::truncate((plain.dir / "f").c_str(), kSize / 2) == 0);
    CHECK_FALSE(plain.Client().Get("/f?memory=no"));
  }
}

TEST_CASE("a file cut short after it was read: the answer is not completed") {
  Served z(std::make_unique<ZeroCopyServer>());
  REQUIRE(::truncate((z.dir / "f").c_str(), kSize / 2) == 0);
  auto res = z.Client().Get("/f");
  CHECK_FALSE(res);  // the connection closed before the promised length
}

TEST_CASE(
    "connections stay open for the next request, with the client's address, and bodies are read") {
  Served z(std::make_unique<ZeroCopyServer>(),
           [](httplib::Server& s) { s.set_keep_alive_max_count(100); });
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
  Served z(std::make_unique<ZeroCopyServer>(),
           [](httplib::Server& s) { s.set_keep_alive_max_count(3); });
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
  auto z = std::make_unique<Served>(std::make_unique<ZeroCopyServer>(),
                                    [](httplib::Server& s) { s.set_keep_alive_timeout(120); });
  auto c = z->Client();
  REQUIRE(c.Get("/who"));  // the connection now waits for a next request
  auto start = std::chrono::steady_clock::now();
  z.reset();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

}  // namespace tollstream::test
