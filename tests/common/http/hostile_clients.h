// Hostile HTTP clients for end-to-end tests of a server under attack, over
// raw POSIX sockets to 127.0.0.1 (never another address; the flood comes
// from 127.0.0.2, another address of the loopback range):
//
// - ConnectionFlood holds many idle connections (connected, nothing sent)
//   and slowloris connections (a request line, then one header byte every
//   ~500 ms, never finishing), reopening any the server closes, and records
//   how long the server let each slow one live;
// - Push sends one oversized request (a huge header line, a huge header
//   block, a huge chunked or declared body) until the server answers or
//   closes, and tells how many bytes got out before that;
// - TimeCalls times a legitimate client's calls made meanwhile;
// - ReadMemory and RssSampler read a server process's resident memory.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tollstream::test {

// Raises this process's soft limit of open files (RLIMIT_NOFILE) to its
// hard limit; the processes it starts later inherit it. Returns the limit.
uint64_t RaiseOpenFileLimit();

// The port of "http://host:port[/...]".
int PortOfUrl(const std::string& url);

// Seconds from `t` to now.
inline double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Whether the last call on a non-blocking socket failed only for now (no
// room, no data, or a signal): it may be tried again.
inline bool WouldBlock() {
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// ---- Many connections held open -------------------------------------------

struct FloodOptions {
  int port = 0;  // on 127.0.0.1
  // The attack's own address (any of 127.0.0.0/8), so that a server may
  // tell it from a legitimate client on 127.0.0.1.
  std::string source = "127.0.0.2";
  size_t idle = 1000;  // connect, send nothing
  size_t slow = 200;   // send `slow_head`, then one byte every `drip`, never finishing
  std::string slow_head = "POST /v1/account HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Drip: ";
  std::chrono::milliseconds drip{500};
  // A connection the server closed is opened again after this pause.
  std::chrono::milliseconds reopen_after{500};
};

struct FloodFigures {
  size_t idle_open = 0, slow_open = 0;        // connected now
  size_t idle_dropped = 0, slow_dropped = 0;  // closed by the server so far
  size_t opened = 0;                          // connections established in all
  size_t connect_failures = 0;
  size_t answers = 0;             // connections on which the server sent bytes
  double slowest_drop_s = 0;      // the longest a slow connection lived before its drop
  size_t slow_overdue = 0;        // slow ones open (or dropped) after more than the deadline
  double oldest_slow_open_s = 0;  // the age of the oldest slow connection still open
  uint64_t bytes_dripped = 0;
  std::string Describe() const;
};

// Opens `idle` + `slow` connections at once and holds them, on a thread of
// its own, until destroyed.
class ConnectionFlood {
 public:
  explicit ConnectionFlood(FloodOptions options);
  ~ConnectionFlood();
  ConnectionFlood(const ConnectionFlood&) = delete;
  ConnectionFlood& operator=(const ConnectionFlood&) = delete;

  // Waits until every connection has been established once; false on timeout.
  bool WaitAllOpened(std::chrono::milliseconds timeout) const;
  // The figures so far; a slow connection older than `deadline` counts as overdue.
  FloodFigures Figures(std::chrono::milliseconds deadline) const;

 private:
  struct Slot;
  void Run();
  void Connect(Slot& slot);
  void Connected(Slot& slot);
  void Readable(Slot& slot);
  void Drip();
  void Dropped(Slot& slot);

  FloodOptions m_options;
  std::vector<Slot> m_slots;
  std::vector<double> m_slow_lifetimes;  // seconds, of every slow connection dropped
  FloodFigures m_figures;
  mutable std::mutex m_mutex;  // guards m_slots, m_slow_lifetimes and m_figures
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// ---- One oversized request --------------------------------------------------

// A request sent as `head`, then `piece` `repeat` times, then `tail`.
struct HostileRequest {
  std::string head;
  std::string piece;
  uint64_t repeat = 0;
  std::string tail;
  uint64_t size() const { return head.size() + piece.size() * repeat + tail.size(); }
};

// A header line "X-Long: aaa..." of `bytes` bytes.
HostileRequest LongHeaderLine(const std::string& path, uint64_t bytes);
// `lines` header lines "X-Many: v".
HostileRequest ManyHeaderLines(const std::string& path, uint64_t lines);
// A chunked body of `bytes` bytes (chunks of 64 KiB).
HostileRequest ChunkedBody(const std::string& path, uint64_t bytes);
// Headers that declare a body of `bytes` bytes (Content-Length), and no body.
HostileRequest DeclaredBody(const std::string& path, uint64_t bytes);

struct PushOutcome {
  int status = 0;        // the status the server answered (0: none)
  bool closed = false;   // the server closed the connection (EOF or reset)
  bool stalled = false;  // nothing moved either way for the stall time
  uint64_t sent = 0;     // bytes the client got out before the answer or close
  double seconds = 0;    // from connecting to the answer, close or stall
  std::string Describe() const;
};

// Sends `request` to 127.0.0.1:`port` until the server answers or closes,
// the whole request is out, or nothing moves for `stall`. The client's send
// buffer is small (64 KiB), so `sent` is close to what the server took in.
PushOutcome Push(int port, const HostileRequest& request,
                 std::chrono::milliseconds stall = std::chrono::seconds(10));

// The four oversized requests, one after the other, to `path` at `port`
// (a server process `pid`), and the server's memory before, at its
// highest meanwhile, and after.
struct OversizeFigures {
  PushOutcome long_line;   // a header line of 100 MB
  PushOutcome many_lines;  // 200,000 header lines
  PushOutcome chunked;     // a chunked body of 200 MB
  PushOutcome declared;    // Content-Length: 200000000 and no body
  uint64_t rss_before = 0, rss_peak = 0, rss_after = 0;
  std::string Describe() const;
};
OversizeFigures SendOversized(int port, const std::string& path, pid_t pid);
// Checks that each was refused (431, 413) having taken in at most about
// 1 MB, the declared one at once, and that the server's memory grew by
// less than 20 MB.
void CheckOversizedRefused(const OversizeFigures& f);

// ---- A legitimate client meanwhile --------------------------------------------

struct Latencies {
  size_t calls = 0;                           // asked for
  size_t made = 0;                            // made within the budget
  size_t answered = 0;                        // made and answered as expected
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // over all calls; a failed or unmade one is +inf
  double answered_max_ms = 0;                 // the slowest answered call
  std::string Describe() const;
};

// Makes `count` calls of `call` (true when answered as expected), starting
// one every `spacing`, within `budget` in all: calls not made by then fail.
Latencies TimeCalls(size_t count, std::chrono::milliseconds spacing,
                    std::chrono::milliseconds budget, const std::function<bool()>& call);

// ---- A server's memory ---------------------------------------------------------

struct Memory {
  uint64_t rss = 0;   // VmRSS, bytes
  uint64_t peak = 0;  // VmHWM, bytes
};
// From /proc/`pid`/status; zeros when the process is gone.
Memory ReadMemory(pid_t pid);

// Reads a process's VmRSS every 5 ms on a thread of its own; keeps the largest.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid);
  ~RssSampler();
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;
  uint64_t max() const { return m_max.load(); }

 private:
  std::atomic<uint64_t> m_max{0};
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

}  // namespace tollstream::test
