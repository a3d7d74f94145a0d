// The event feed and its server-sent-events route: a newcomer gets the state
// and the kept events; a reader sees new events as they come, over real HTTP;
// a reconnecting reader (Last-Event-ID) gets only what it missed; closing
// the feed ends every stream; a reader that leaves frees its place.
#include "common/observe/event_feed.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/http/events.h"
#include "common/http/http_server.h"
#include "tests/support/serving.h"

namespace tollstream {

using namespace std::chrono_literals;

// `feed` served at /events on a free loopback port, until destroyed.
template <typename Server = HttpServer>
struct FeedServer {
  explicit FeedServer(EventFeed& feed, size_t max_streams = kMaxEventStreams) {
    ServeEvents(server, "/events", feed, max_streams);
    serving.emplace(server);
    port = serving->port();
  }
  Server server;
  std::optional<test::Serving> serving;
  int port = 0;
};

TEST_CASE("a newcomer gets the newest state and the kept events, in order") {
  EventFeed feed(2);
  feed.Publish("log", "one");
  feed.SetState({{"n", 1}});
  feed.Publish("log", "two");
  feed.SetState({{"n", 2}});
  feed.Publish("log", "three");
  auto events = feed.Wait(0, 0ms);
  REQUIRE(events.size() == 3);
  CHECK(events[0].data == "two");
  CHECK(events[1].name == "state");
  CHECK(events[1].data["n"] == 2);
  CHECK(events[2].data == "three");
  for (size_t i = 1; i < events.size(); ++i) CHECK(events[i - 1].seq < events[i].seq);
  // Caught up: nothing until something new comes.
  CHECK(feed.Wait(events.back().seq, 10ms).empty());
  feed.Publish("alert", "four");
  auto next = feed.Wait(events.back().seq, 10ms);
  REQUIRE(next.size() == 1);
  CHECK(next[0].name == "alert");
}

TEST_CASE("a waiting reader wakes on a new event and on close") {
  EventFeed feed;
  std::thread publisher([&] {
    std::this_thread::sleep_for(50ms);
    feed.Publish("log", "late");
  });
  auto events = feed.Wait(0, 5s);
  publisher.join();
  REQUIRE(events.size() == 1);
  std::thread closer([&] {
    std::this_thread::sleep_for(50ms);
    feed.Close();
  });
  auto start = std::chrono::steady_clock::now();
  CHECK(feed.Wait(events[0].seq, 5s).empty());
  CHECK(std::chrono::steady_clock::now() - start < 4s);
  closer.join();
}

TEST_CASE("server-sent events over HTTP") {
  EventFeed feed;
  feed.SetState({{"segments", 0}});
  FeedServer<> served(feed);
  int port = served.port;

  std::mutex mutex;  // guards received
  std::condition_variable grew;
  std::string received;
  std::string content_type;
  // Waits (at most 10 s) until what the reader received holds `text`.
  auto has = [&](const std::string& text) {
    std::unique_lock lock(mutex);
    return grew.wait_for(lock, 10s, [&] { return received.find(text) != std::string::npos; });
  };
  std::thread reader([&] {
    httplib::Client client("127.0.0.1", port);
    client.set_read_timeout(10, 0);
    auto res = client.Get(
        "/events",
        [&](const httplib::Response& r) {
          content_type = r.get_header_value("Content-Type");
          return true;
        },
        [&](const char* data, size_t n) {
          std::lock_guard lock(mutex);
          received.append(data, n);
          grew.notify_all();
          return true;
        });
  });
  // Connected once the state it found is in: what follows comes as it happens.
  CHECK(has("id: 1\n"));
  feed.Publish("receipt", {{"seq", 7}});
  feed.SetState({{"segments", 1}});
  CHECK(has("id: 3\nevent: state\ndata: {\"segments\":1}\n\n"));
  feed.Close();  // ends the stream: the reader returns
  reader.join();
  CHECK(content_type == "text/event-stream");
  CHECK(received.find("id: 1\nevent: state\ndata: {\"segments\":0}\n\n") != std::string::npos);
  CHECK(received.find("id: 2\nevent: receipt\ndata: {\"seq\":7}\n\n") != std::string::npos);
  CHECK(received.find("id: 3\nevent: state\ndata: {\"segments\":1}\n\n") != std::string::npos);
}

TEST_CASE("a reader that reconnects with Last-Event-ID gets only what it missed") {
  EventFeed feed;
  feed.Publish("log", "a");
  feed.Publish("log", "b");
  feed.Publish("log", "c");
  FeedServer<> served(feed);
  int port = served.port;
  std::string received;
  std::thread reader([&] {
    httplib::Client client("127.0.0.1", port);
    client.Get("/events", {{"Last-Event-ID", "2"}}, [&](const char* data, size_t n) {
      received.append(data, n);
      return received.find("\n\n") == std::string::npos;  // one event is enough
    });
  });
  reader.join();
  CHECK(received == "id: 3\nevent: log\ndata: \"c\"\n\n");
  feed.Close();
}

TEST_CASE("open streams are limited; a closed one frees its place") {
  EventFeed feed;
  feed.SetState({{"n", 1}});
  FeedServer<> served(feed, 1);
  int port = served.port;

  std::atomic<bool> leave{false};
  std::atomic<bool> got_first{false};
  std::thread first([&] {
    httplib::Client client("127.0.0.1", port);
    client.Get("/events", [&](const char*, size_t) {
      got_first = true;
      return !leave.load();  // stays open until told to leave
    });
  });
  while (!got_first) std::this_thread::sleep_for(5ms);
  httplib::Client second("127.0.0.1", port);
  auto refused = second.Get("/events");
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(refused->get_header_value("Retry-After") == "10");

  leave = true;
  feed.Publish("log", "wake the first reader");  // it returns false on the next write
  first.join();
  std::string received;
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted;
       ++i) {  // the server notices the leaving reader within a second
    httplib::Client third("127.0.0.1", port);
    int status = 0;
    received.clear();
    third.Get(
        "/events",
        [&](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, size_t n) {
          received.append(data, n);
          return received.find("\n\n") == std::string::npos;
        });
    admitted = status == 200;
    if (!admitted) std::this_thread::sleep_for(50ms);
  }
  CHECK(admitted);
  CHECK(received.find("event: state") != std::string::npos);
  feed.Close();
}

}  // namespace tollstream
