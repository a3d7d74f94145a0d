// The connections of an HttpServer (see http_server.h): one event thread
// accepts them and reads their requests, with deadlines and bounded
// parsers; workers answer complete (or refused) requests and hand the
// connections back. Used by HttpServer only.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/http/request_parser.h"

namespace tollstream {

struct ServerTuning;

class ConnectionLoop {
 public:
  using Clock = std::chrono::steady_clock;

  // A request as read, with what the worker needs to know of its connection.
  struct Request {
    explicit Request(const RequestLimits& limits) : parser(limits) {}
    RequestParser parser;
    std::string remote;  // the client's address
    int remote_port = 0;
    size_t served = 0;  // requests answered before on the connection
  };

  class Answerer {
   public:
    virtual ~Answerer() = default;
    // Answers `request` on socket `fd` (non-blocking), on a worker thread.
    // True when the connection may carry another request.
    virtual bool Serve(Request& request, int fd) = 0;
  };

  // Serves connections accepted on `listen_fd` (bound, listening,
  // non-blocking; not closed here). `tuning` and `answerer` outlive this.
  ConnectionLoop(int listen_fd, const ServerTuning& tuning, Answerer& answerer);
  ~ConnectionLoop();

  void Run();   // the event thread; returns after Stop(), workers joined
  void Stop();  // from any thread
  bool running() const { return m_running; }

 private:
  struct Connection;
  enum class Outcome { kKeep, kDrain, kClose };

  void Accept();
  void Refuse(int fd);
  void Readable(Connection& c);
  void Feed(Connection& c, const char* data, size_t size);
  void Dispatch(Connection& c);
  void Work();
  void TakeReturned();
  void Expire(Clock::time_point now);
  void Watch(Connection& c);
  void Close(int fd);
  RequestLimits Limits() const;

  int m_listen_fd;
  const ServerTuning& m_tuning;
  Answerer& m_answerer;
  int m_epoll = -1;
  int m_wake = -1;  // an eventfd: returned connections, Stop
  std::atomic<bool> m_running{false};
  std::atomic<bool> m_stop{false};
  bool m_accepting = true;
  Clock::time_point m_resume_accepting;
  std::unordered_map<int, std::unique_ptr<Connection>> m_connections;  // event thread's

  std::mutex m_mutex;  // guards what follows
  std::condition_variable m_work_ready;
  std::deque<Connection*> m_work;
  bool m_work_closed = false;
  std::vector<std::pair<Connection*, Outcome>> m_returned;
  std::vector<std::thread> m_workers;
};

}  // namespace tollstream
