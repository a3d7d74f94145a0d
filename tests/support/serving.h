// A test's cpp-httplib server, serving on a free loopback port in a thread
// of its own from construction until it is destroyed.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <thread>

#include "common/http/bind.h"

namespace tollstream::test {

class Serving {
 public:
  // `server` has its routes already, and outlives this.
  explicit Serving(httplib::Server& server)
      : m_server(server), m_port(BindServer(server, "127.0.0.1", 0)) {
    REQUIRE(m_port > 0);
    m_thread = std::thread([this] { m_server.listen_after_bind(); });
    while (!m_server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Serving() {
    m_server.stop();
    m_thread.join();
  }
  Serving(const Serving&) = delete;
  Serving& operator=(const Serving&) = delete;

  int port() const { return m_port; }

 private:
  httplib::Server& m_server;
  int m_port;
  std::thread m_thread;
};

}  // namespace tollstream::test
