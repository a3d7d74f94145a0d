// The metrics registry renders the Prometheus text format: HELP and TYPE
// lines, escaped label values, cumulative histogram buckets; and an
// instrumented server counts and times its requests by route and status.
#include "common/observe/metrics.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <thread>

#include "common/http/http_server.h"
#include "common/http/server_metrics.h"

namespace tollstream {

TEST_CASE("counters with labels, escaped") {
  Metrics m;
  m.DeclareCounter("things_total", "Things seen.\nTwo lines.", {"kind"});
  m.counter("things_total", {"a\"b\\c"}).Add(3);
  m.counter("things_total", {"plain"}).Add();
  std::string text = m.Render();
  CHECK(text.find("# HELP things_total Things seen.\\nTwo lines.\n") != std::string::npos);
  CHECK(text.find("# TYPE things_total counter\n") != std::string::npos);
  CHECK(text.find("things_total{kind=\"a\\\"b\\\\c\"} 3\n") != std::string::npos);
  CHECK(text.find("things_total{kind=\"plain\"} 1\n") != std::string::npos);
}

TEST_CASE("histogram buckets are cumulative and end with +Inf") {
  Metrics m;
  m.DeclareHistogram("wait_seconds", "Waits.", {}, {0.5, 0.1, 1});
  auto& h = m.histogram("wait_seconds");
  for (double v : {0.05, 0.1, 0.2, 0.7, 3.0}) h.Observe(v);
  std::string text = m.Render();
  CHECK(text.find("wait_seconds_bucket{le=\"0.1\"} 2\n") != std::string::npos);
  CHECK(text.find("wait_seconds_bucket{le=\"0.5\"} 3\n") != std::string::npos);
  CHECK(text.find("wait_seconds_bucket{le=\"1\"} 4\n") != std::string::npos);
  CHECK(text.find("wait_seconds_bucket{le=\"+Inf\"} 5\n") != std::string::npos);
  CHECK(text.find("wait_seconds_count 5\n") != std::string::npos);
  CHECK(text.find("wait_seconds_sum 4.05\n") != std::string::npos);
}

TEST_CASE("gauges are read at scrape time") {
  Metrics m;
  int open = 2;
  m.DeclareGauge("open_things", "Open things.", [&] { return open; });
  CHECK(m.Render().find("open_things 2\n") != std::string::npos);
  open = 7;
  CHECK(m.Render().find("open_things 7\n") != std::string::npos);
}

TEST_CASE("an instrumented server counts requests by route and status") {
  Metrics m;
  HttpServer server;
  server.Get("/hello",
             [](const HttpRequest&, HttpResponse& res) { res.SetContent("hi", "text/plain"); });
  InstrumentServer(server, m, [](const HttpRequest& req) {
    return req.path == "/hello" || req.path == "/metrics" ? req.path : std::string("other");
  });
  int port = server.Bind("127.0.0.1", 0);
  REQUIRE(port > 0);
  std::thread t([&] { server.Run(); });
  while (!server.IsRunning()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  httplib::Client client("127.0.0.1", port);
  // One connection, so one worker: a request is counted (after its answer
  // is sent) before the next one on the connection is read.
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) REQUIRE(client.Get("/hello"));
  REQUIRE(client.Get("/no/such/path/123"));
  auto scrape = client.Get("/metrics");
  server.Stop();
  t.join();
  REQUIRE(scrape);
  CHECK(scrape->get_header_value("Content-Type").find("text/plain; version=0.0.4") == 0);
  const std::string& text = scrape->body;
  CHECK(text.find("tollstream_http_requests_total{route=\"/hello\",status=\"200\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("tollstream_http_requests_total{route=\"other\",status=\"404\"} 1\n") !=
        std::string::npos);
  CHECK(text.find("tollstream_http_request_duration_seconds_count{route=\"/hello\"} 3\n") !=
        std::string::npos);
  CHECK(text.find("/no/such/path") == std::string::npos);
}

}  // namespace tollstream
