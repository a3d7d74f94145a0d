#include "peer/node/advertised_url.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/rpc/signed_client.h"

namespace tollstream {
namespace {

Error NoRoute(const std::string& why) {
  return MakeError(ErrorCode::kUnavailable,
                   "listening on every address, this node cannot tell which one viewers reach (" +
                       why + "): name it with --advertise-url http://HOST:PORT");
}

// The tracker's host and port in "http[s]://HOST[:PORT][/...]".
Result<HostPort> TrackerHostPort(std::string url) {
  std::string port = "80";
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.compare(0, scheme.size(), scheme) == 0) {
      url.erase(0, scheme.size());
      if (scheme == "https://") port = "443";
    }
  }
  url = url.substr(0, url.find('/'));
  bool has_port = !url.empty() && url.back() != ']' && url.find(':') != std::string::npos &&
                  (url.front() == '[' || url.find(':') == url.rfind(':'));
  return ParseHostPort(has_port ? url : url + ":" + port);
}

// The local address of a route to `to`: a UDP socket "connected" to it
// sends nothing, but the kernel picks the source address.
Result<std::string> FacingAddress(const HostPort& to) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  int resolved = ::getaddrinfo(to.host.c_str(), std::to_string(to.port).c_str(), &hints, &found);
  if (resolved != 0) return NoRoute(::gai_strerror(resolved));
  std::string why = "no address";
  std::optional<std::string> local;
  for (addrinfo* a = found; a && !local; a = a->ai_next) {
    int fd = ::socket(a->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    sockaddr_storage mine{};
    socklen_t len = sizeof mine;
    char text[INET6_ADDRSTRLEN] = {};
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&mine), &len) == 0) {
      const void* addr =
          mine.ss_family == AF_INET6
              ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&mine)->sin6_addr)
              : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&mine)->sin_addr);
      if (::inet_ntop(mine.ss_family, addr, text, sizeof text)) local = text;
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  if (!local) return NoRoute(why);
  return *local;
}

}  // namespace

bool IsWildcardHost(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

Result<std::string> AdvertisedUrl(const HostPort& bound, const std::optional<std::string>& given,
                                  const std::string& tracker_url) {
  if (given) return *given;
  if (!IsWildcardHost(bound.host)) return bound.Url();
  auto tracker = TrackerHostPort(SplitUrls(tracker_url).front());  // the first of several
  if (!tracker) return NoRoute(tracker.error().message);
  auto local = FacingAddress(*tracker);
  if (!local) return local.error();
  return HostPort{*local, bound.port}.Url();
}

}  // namespace tollstream
