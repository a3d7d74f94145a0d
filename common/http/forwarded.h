// Who a request comes from when a reverse proxy (nginx) stands in front:
// X-Forwarded-For and X-Forwarded-Proto are believed only from a proxy the
// operator named (ServerTuning::trusted_proxies), since any client can send
// them.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/http/http_message.h"

namespace tollstream {

// Sets req.client_addr and req.scheme. From a peer (remote_addr) in
// `trusted`: the client is the rightmost address of X-Forwarded-For that
// is not itself a trusted proxy (proxies append the address they heard
// from), and the scheme is X-Forwarded-Proto's ("http" or "https"). From
// any other peer, or when a header is absent or malformed: the peer itself,
// over "http". Addresses compare as text, in the form inet_ntop prints them
// ("127.0.0.1", "::1"), an IPv4 address mapped into IPv6
// ("::ffff:127.0.0.1", as a server on [::] sees it) as plain IPv4.
void ResolveForwarded(HttpRequest& req, const std::vector<std::string>& trusted);

// "ADDR[,ADDR...]" (an option's value): IPv4 or IPv6 addresses, each in the
// form the server prints peers ("::0001" becomes "::1"). Errors:
// kInvalidField naming what is not an address.
Result<std::vector<std::string>> ParseAddressList(std::string_view text);

}  // namespace tollstream
