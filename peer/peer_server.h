// The HTTP servers of the peer nodes (cpp-httplib).
//
// Broadcaster: POST /v1/stream, /v1/offer, /v1/segment, /v1/close.
// Viewer: GET /<stream>.m3u8 (the local playlist) and /<stream>/<seq>.ts.
#pragma once

#include <memory>
#include <string>

#include "common/host_port.h"
#include "common/result.h"

namespace tollstream {

class Broadcaster;
class LocalHls;

class PeerServer {
 public:
  PeerServer();
  ~PeerServer();

  void ServeBroadcaster(Broadcaster& broadcaster);
  void ServeViewer(LocalHls& local);

  // Binds `where` (port 0: any free port); returns the bound address.
  Result<HostPort> Bind(const HostPort& where);
  // Serves in a thread of its own until Stop().
  void Start();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

}  // namespace tollstream
