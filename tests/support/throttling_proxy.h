// A TCP proxy on loopback between a client and a server: every connection
// is passed through both ways, and the bytes towards the client go at most
// `rate` bytes a second, all connections together, as over one slow link
// (0: as fast as they come). The rate may change while it runs. It slows
// only what passes through it, unlike `tc` on loopback, which would slow
// every test running beside it. Stops, closing every connection, when
// destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tollstream::test {

class ThrottlingProxy {
 public:
  // In front of the server at 127.0.0.1:`target_port` (0: set it later,
  // before the first connection, with SetTarget).
  explicit ThrottlingProxy(int target_port = 0);
  ~ThrottlingProxy();
  ThrottlingProxy(const ThrottlingProxy&) = delete;
  ThrottlingProxy& operator=(const ThrottlingProxy&) = delete;

  int port() const { return m_port; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
  void SetRate(uint64_t bytes_per_second) { m_rate = bytes_per_second; }
  void SetTarget(int port) { m_target_port = port; }

 private:
  void Accept();
  void Pass(int client);
  // Waits until `n` more bytes may go towards the client at the rate now.
  void Pace(size_t n);

  std::atomic<int> m_target_port;
  int m_listener = -1;
  int m_port = 0;
  std::atomic<uint64_t> m_rate{0};
  std::atomic<bool> m_stopping{false};
  std::mutex m_mutex;  // guards m_next_free and m_connections
  std::chrono::steady_clock::time_point m_next_free{};
  std::vector<std::thread> m_connections;
  std::thread m_acceptor;
};

}  // namespace tollstream::test
