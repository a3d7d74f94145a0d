// A test's HttpServer, serving on a free loopback port in a thread
// of its own from construction until it is destroyed.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "common/http/http_server.h"

namespace tollstream::test {

class Serving {
 public:
  // `server` has its routes already, and outlives this.
  explicit Serving(HttpServer& server) : m_server(server), m_port(server.Bind("127.0.0.1", 0)) {
    REQUIRE(m_port > 0);
    m_thread = std::thread([this] { m_server.Run(); });
    while (!m_server.IsRunning()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Serving() {
    m_server.Stop();
    m_thread.join();
  }
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  int port() const { return m_port; }

 private:
  HttpServer& m_server;
  int m_port;
  std::thread m_thread;
};

}  // namespace tollstream::test
