// WriteAnswer on a real cpp-httplib server over loopback: a delivered
// segment's bytes travel at once but its last byte waits for the answer's
// condition, and every answer but a delivered segment asks the client to
// close the connection.
#include <httplib.h>
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <thread>

#include "common/http_bind.h"
#include "peer/http_reply.h"

namespace tollstream {
namespace {

struct Served {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  explicit Served(std::function<PeerAnswer()> answer) {
    server.set_keep_alive_max_count(100);
    server.Post("/answer", [answer](const httplib::Request&, httplib::Response& res) { WriteAnswer(res, answer()); });
    server.Get("/answer", [answer](const httplib::Request&, httplib::Response& res) { WriteAnswer(res, answer()); });
    port = BindServer(server, "127.0.0.1", 0);
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
    while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Served() {
    server.stop();
    thread.join();
  }
};

}  // namespace

TEST_CASE("a segment's answer is complete only once its condition holds") {
  auto bytes = std::make_shared<const std::string>(1 << 20, 's');
  std::promise<bool> condition;
  std::shared_future<bool> holds = condition.get_future().share();
  Served served([&] {
    PeerAnswer a{200, "application/octet-stream", "", bytes, {}, {}};
    a.complete_when = [holds] { return holds.get(); };
    return a;
  });
  httplib::Client client("127.0.0.1", served.port);
  client.set_keep_alive(true);
  std::string body;
  std::atomic<size_t> received{0};
  auto fetch = std::async(std::launch::async, [&] {
    return client.Get("/answer", [&](const char* data, size_t length) {
      body.append(data, length);
      received += length;
      return true;
    });
  });
  // All but the last byte arrive while the condition waits...
  for (int i = 0; i < 1000 && received < bytes->size() - 1; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(received == bytes->size() - 1);
  // ...and, whatever the machine's speed, the answer cannot end before it holds.
  CHECK(fetch.wait_for(std::chrono::milliseconds(300)) == std::future_status::timeout);
  condition.set_value(true);
  auto res = fetch.get();
  REQUIRE(res);
  CHECK(body == *bytes);
  CHECK(res->get_header_value("Connection") != "close");
  CHECK(client.is_socket_open());  // kept for the next request
}

TEST_CASE("a segment whose condition fails is never complete") {
  auto bytes = std::make_shared<const std::string>(100000, 's');
  Served served([&] {
    PeerAnswer a{200, "application/octet-stream", "", bytes, {}, {}};
    a.complete_when = [] { return false; };
    return a;
  });
  httplib::Client client("127.0.0.1", served.port);
  auto res = client.Post("/answer", "", "text/plain");
  CHECK_FALSE(res);  // the connection is dropped before the last byte
}

TEST_CASE("every answer but a segment asks the client to close the connection") {
  Served served([] { return PeerAnswer{200, "application/json", "{\"state\":\"wait\"}", nullptr, {}, {}}; });
  httplib::Client client("127.0.0.1", served.port);
  client.set_keep_alive(true);
  auto res = client.Post("/answer", "", "text/plain");
  REQUIRE(res);
  CHECK(res->body == "{\"state\":\"wait\"}");
  CHECK(res->get_header_value("Connection") == "close");
  CHECK_FALSE(client.is_socket_open());
}

}  // namespace tollstream
