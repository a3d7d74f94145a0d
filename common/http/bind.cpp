#include "common/http/bind.h"

#include <httplib.h>
#include <sys/socket.h>

#include <memory>

namespace tollstream {

int BindServer(httplib::Server& server, const std::string& host, int port) {
  // httplib tells the socket options hook of every socket it creates; the
  // bound one is the last.
  auto last = std::make_shared<socket_t>(INVALID_SOCKET);
  server.set_socket_options([last](socket_t sock) {
    // Not SO_REUSEPORT (httplib's default): a second server on a port in
    // use must fail to bind, not share the port.
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    *last = sock;
  });
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  // Listening again on a listening socket only changes its backlog (Linux).
  if (bound >= 0 && *last != INVALID_SOCKET) ::listen(*last, SOMAXCONN);
  return bound;
}

}  // namespace tollstream
