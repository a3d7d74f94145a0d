// The URL a selling node announces at the tracker, for viewers to reach it.
// Given --advertise-url, that one. Otherwise the address it listens on,
// unless that is every address (0.0.0.0, ::), which no viewer can dial:
// then the address of this machine that faces the tracker (the source
// address of a route to the tracker's host), with the port it listens on.
#pragma once

#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/cli/host_port.h"

namespace tollstream {

// `bound`: where the node listens (its port resolved); `tracker_url`: the
// tracker's http://HOST:PORT (the first, of several separated by commas). Errors: kUnavailable (no
// route to the tracker's host), naming --advertise-url as the way out.
Result<std::string> AdvertisedUrl(const HostPort& bound, const std::optional<std::string>& given,
                                  const std::string& tracker_url);

// Whether `host` stands for every address of the machine.
bool IsWildcardHost(const std::string& host);

}  // namespace tollstream
