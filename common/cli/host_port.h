// "HOST:PORT" as given on command lines: "127.0.0.1:8080", "[::1]:8080",
// "localhost:0" (port 0: any free port).
#pragma once

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace tollstream {

struct HostPort {
  std::string host;  // without brackets
  int port = 0;

  // "http://HOST:PORT", with brackets around an IPv6 host.
  std::string Url() const;
};

// Errors: kInvalidField.
Result<HostPort> ParseHostPort(std::string_view text);

}  // namespace tollstream
