// WriteAnswer on a real HttpServer over loopback: a delivered segment's bytes travel at once but
// its last byte waits for the answer's condition; a segment read from a
// file goes out from the file while it is the version read, from memory
// once it changed; one with no bytes in memory goes out from its file, and
// never whole once the file changed; under kCloseUnlessPayload, every
// answer but a delivered segment asks the client to close the connection.
#include "common/rpc/http_answer.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include "common/base/files.h"
#include "common/http/http_server.h"
#include "tests/support/serving.h"
#include "tests/support/temp_dir.h"

namespace tollstream {
namespace {

template <typename Server = HttpServer>
struct Served {
  Server server;
  std::optional<test::Serving> serving;
  int port = 0;
  explicit Served(std::function<Answer()> answer,
                  const std::function<void(Server&)>& configure = {}) {
    ServerTuning tuning;
    tuning.keep_alive_max_count = 100;
    server.Tune(tuning);
    if (configure) configure(server);
    server.Post("/answer", [answer](const HttpRequest&, HttpResponse& res) {
      WriteAnswer(res, answer(), ConnectionPolicy::kCloseUnlessPayload);
    });
    server.Get("/answer", [answer](const HttpRequest&, HttpResponse& res) {
      WriteAnswer(res, answer(), ConnectionPolicy::kCloseUnlessPayload);
    });
    serving.emplace(server);
    port = serving->port();
  }
};

}  // namespace

TEST_CASE("a segment's answer is complete only once its condition holds") {
  test::TempDir dir;
  std::ofstream(dir / "segment.ts") << std::string(1 << 20, 's');
  std::optional<FileStamp> stamp;
  std::shared_ptr<const OpenFile> file;
  auto bytes =
      std::make_shared<const std::string>(*ReadWholeFile(dir / "segment.ts", &stamp, &file));
  std::promise<bool> condition;
  std::shared_future<bool> holds = condition.get_future().share();
  Served<> served([&] {
    Answer a{200, "application/octet-stream", "", bytes, file, {}, {}};
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
    Answer a{200, "application/octet-stream", "", bytes, nullptr, {}, {}};
    a.complete_when = [] { return false; };
    return a;
  });
  httplib::Client client("127.0.0.1", served.port);
  auto res = client.Post("/answer", "", "text/plain");
  CHECK_FALSE(res);  // the connection is dropped before the last byte
}

TEST_CASE("a segment read from a file goes out from the file while it is the version read") {
  test::TempDir dir;
  std::string path = dir / "segment.ts";
  std::ofstream(path) << std::string(3 << 20, 'a');
  std::optional<FileStamp> stamp;
  std::shared_ptr<const OpenFile> file;
  auto bytes = std::make_shared<const std::string>(*ReadWholeFile(path, &stamp, &file));
  REQUIRE(file != nullptr);
  Metrics metrics;
  metrics.DeclareCounter("sent", "test");
  Metrics::Counter& sent = metrics.counter("sent");
  Served<> served(
      [&] {
        Answer a{200, "application/octet-stream", "", bytes, file, {}, {}};
        a.complete_when = [] { return true; };
        return a;
      },
      [&](HttpServer& s) { s.CountFileBytes(&sent); });
  httplib::Client client("127.0.0.1", served.port);
  auto res = client.Get("/answer");
  REQUIRE(res);
  CHECK(res->body == *bytes);
  CHECK(sent.value() ==
        bytes->size() - 1);  // the last byte from memory, once the file is seen unchanged

  // Rewritten in place (the time set as a later write would): what was
  // read, and signed, goes out from memory.
  auto written = std::filesystem::last_write_time(path);
  std::ofstream(path) << std::string(3 << 20, 'b');
  std::filesystem::last_write_time(path, written + std::chrono::seconds(1));
  res = client.Get("/answer");
  REQUIRE(res);
  CHECK(res->body == *bytes);
  CHECK(sent.value() == bytes->size() - 1);
}

TEST_CASE("a segment with no bytes in memory goes out from its file, never whole once it changed") {
  test::TempDir dir;
  std::string path = dir / "segment.ts";
  const std::string version(3 << 20, 'a');
  std::ofstream(path) << version;
  auto file = OpenFile::Open(path);
  REQUIRE(file != nullptr);
  // The test's hook for the moment between the body and its last byte.
  std::function<void()> before_last = [] {};
  Served<> served([&] {
    Answer a{200, "application/octet-stream", "", nullptr, file, {}, {}};
    a.complete_when = [&] {
      before_last();
      return true;
    };
    return a;
  });
  httplib::Client client("127.0.0.1", served.port);
  auto res = client.Get("/answer");
  REQUIRE(res);
  CHECK(res->body == version);

  // Changed while the body travels: the last byte is not sent.
  auto written = std::filesystem::last_write_time(path);
  before_last = [&] {
    std::ofstream(path) << std::string(3 << 20, 'b');
    std::filesystem::last_write_time(path, written + std::chrono::seconds(1));
  };
  CHECK_FALSE(client.Get("/answer"));
  // Changed before: nothing of it is sent.
  before_last = [] {};
  CHECK_FALSE(client.Get("/answer"));
}

TEST_CASE("every answer but a segment asks the client to close the connection") {
  Served served([] {
    return Answer{200, "application/json", "{\"state\":\"wait\"}", nullptr, nullptr, {}, {}};
  });
  httplib::Client client("127.0.0.1", served.port);
  client.set_keep_alive(true);
  auto res = client.Post("/answer", "", "text/plain");
  REQUIRE(res);
  CHECK(res->body == "{\"state\":\"wait\"}");
  CHECK(res->get_header_value("Connection") == "close");
  CHECK_FALSE(client.is_socket_open());
}

}  // namespace tollstream
