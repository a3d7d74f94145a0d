// Binding a cpp-httplib server with a deep listen queue.
//
// cpp-httplib 0.11 listens with a backlog of 5. Under load (many clients, or
// one connection per request) the kernel then drops connection attempts and
// clients stall for a SYN retransmission (1 s and more) or time out. BindServer
// binds as httplib would (IPv4 or IPv6 by host) but with SO_REUSEADDR instead
// of httplib's SO_REUSEPORT, so that a port already in use is refused rather
// than shared, and then deepens the queue to the system's maximum
// (net.core.somaxconn).
#pragma once

#include <string>

namespace httplib {
class Server;
}

namespace tollstream {

// Binds `server` to host:port (port 0: any free port). Returns the port, or
// -1 when it cannot bind. Call before listen_after_bind(), once per server.
int BindServer(httplib::Server& server, const std::string& host, int port);

}  // namespace tollstream
