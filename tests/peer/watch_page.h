// The viewing node's page API as its own page calls it: the node's base URL
// (from the playlist URL it prints), control requests with the headers the
// page sends, and its figures.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

struct WatchPage {
  explicit WatchPage(const std::string& playlist_url) {
    base = playlist_url.substr(0, playlist_url.find('/', 7));
    host = base.substr(7);
  }
  httplib::Result Post(const std::string& path, const std::string& body, httplib::Headers headers) {
    httplib::Client http(base);
    return http.Post(path, headers, body, "application/json");
  }
  // A control request (top-up, rendition, retry, ...) as the node's page sends it.
  httplib::Result Control(const std::string& path, const std::string& body) {
    return Post(path, body, {{"X-Tollstream-Control", "1"}, {"Origin", base}});
  }
  json Status() {
    auto text = HttpGet(base + "/api/status");
    REQUIRE(text.has_value());
    return json::parse(*text);
  }
  std::string base;  // http://host:port
  std::string host;  // host:port
};

}  // namespace tollstream::test
