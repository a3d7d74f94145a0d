#include "common/http/forwarded.h"

#include <arpa/inet.h>

#include <algorithm>
#include <string_view>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

bool Trusted(const std::vector<std::string>& trusted, std::string_view address) {
  return std::find(trusted.begin(), trusted.end(), address) != trusted.end();
}

// `text` in the form inet_ntop prints; "" when it is no address.
std::string Normalized(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return "";
  std::string s(text);
  unsigned char bytes[sizeof(struct in6_addr)];
  char out[INET6_ADDRSTRLEN] = "";
  if (::inet_pton(AF_INET, s.c_str(), bytes) == 1)
    return ::inet_ntop(AF_INET, bytes, out, sizeof out) ? out : "";
  if (::inet_pton(AF_INET6, s.c_str(), bytes) != 1) return "";
  // An IPv4 address mapped into IPv6 (a server listening on [::]) is that
  // IPv4 address.
  const unsigned char* v4 = bytes + 12;
  bool mapped = std::all_of(bytes, bytes + 10, [](unsigned char b) { return b == 0; }) &&
                bytes[10] == 0xff && bytes[11] == 0xff;
  if (mapped) return ::inet_ntop(AF_INET, v4, out, sizeof out) ? out : "";
  return ::inet_ntop(AF_INET6, bytes, out, sizeof out) ? out : "";
}

}  // namespace

Result<std::vector<std::string>> ParseAddressList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    size_t comma = text.find(',');
    std::string_view item = Trim(text.substr(0, comma));
    std::string address = Normalized(item);
    if (address.empty()) {
      return MakeError(ErrorCode::kInvalidField,
                       "\"" + std::string(item.substr(0, 64)) + "\" is not an IP address");
    }
    out.push_back(std::move(address));
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

void ResolveForwarded(HttpRequest& req, const std::vector<std::string>& trusted) {
  std::string peer = Normalized(req.remote_addr);
  req.client_addr = peer.empty() ? req.remote_addr : peer;
  req.scheme = "http";
  if (!Trusted(trusted, req.client_addr)) return;
  std::string proto = req.Header("X-Forwarded-Proto");
  if (proto == "https" || proto == "http") req.scheme = proto;
  std::string chain = req.Header("X-Forwarded-For");
  std::string_view rest = chain;
  while (!rest.empty()) {
    size_t comma = rest.rfind(',');
    std::string_view hop = Trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    std::string address = Normalized(hop);
    if (address.empty()) return;  // malformed: the last good one stands
    req.client_addr = address;
    if (!Trusted(trusted, address)) return;
  }
}

}  // namespace tollstream
