// The health routes every server of the project answers, for load
// balancers, orchestrators and service managers:
//   GET /healthz  200 {"status": "ok"} while the process serves requests;
//   GET /readyz   each readiness check run now: 200 {"ready": true,
//                 "checks": {NAME: {"ok": true}, ...}} when every check
//                 passes, else 503 {"ready": false, "checks": {...}} with
//                 {"ok": false, "error": WHY} for each that failed. The
//                 checks run at most once a second; meanwhile the last
//                 answer is given again.
// Unsigned, read-only, never cached.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/base/result.h"

namespace tollstream {

class HttpServer;

struct ReadyCheck {
  std::string name;
  std::function<Status()> check;
};

void ServeHealth(HttpServer& server, std::vector<ReadyCheck> checks);

// Whether files can be written in `dir` now: a probe file is created,
// written, synced and removed. Errors: kUnavailable, with the reason.
Status CheckWritable(const std::string& dir);

}  // namespace tollstream
