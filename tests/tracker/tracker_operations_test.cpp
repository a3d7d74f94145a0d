// The tracker as operators run it: --version, options from a config file
// and the environment, JSON logs with a line per request (and no secret in
// them), /healthz and /readyz.
#include <doctest/doctest.h>
#include <httplib.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/base/files.h"
#include "common/base/hex.h"
#include "common/cli/key_file.h"
#include "common/wire/json.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {

using namespace std::chrono_literals;

TEST_CASE("--version names the build") {
  for (const char* program : {"tracker", "peer"}) {
    auto [status, out] = RunCommand({BinaryPath(program), "--version"});
    CHECK(status == 0);
    CHECK(out.starts_with(std::string(program) + " 0."));
    CHECK(out.find(" (commit ") != std::string::npos);
  }
}

TEST_CASE("tracker run from a config file and the environment, logging JSON, a line per request") {
  TempDir dir;
  std::string data = dir / "tracker";
  REQUIRE(RunCommand({BinaryPath("tracker"), "init", "--data-dir", data}).first == 0);
  std::string config = dir / "tracker.conf";
  std::ofstream(config) << "# the tracker\ndata-dir = " << data
                        << "\nlisten = 127.0.0.1:0\nlog-format = json\n";
  ::setenv("TOLLSTREAM_LOG_LEVEL", "debug", 1);
  Process tracker({BinaryPath("tracker"), "run", "--config", config}, dir / "tracker.log");
  ::unsetenv("TOLLSTREAM_LOG_LEVEL");
  auto url = tracker.WaitForLine("listening on ", 30s);
  REQUIRE(url.has_value());
  httplib::Client http(*url);
  auto health = http.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  auto ready = http.Get("/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body)["ready"] == true);
  // A query may carry what is not for logs: only the route is logged.
  auto summary = http.Get("/dashboard/api/summary?tell=not-for-logs");
  REQUIRE(summary);
  tracker.Signal(SIGTERM);
  REQUIRE(tracker.Wait(30s) == 0);

  std::string logs = ReadWholeFile(dir / "tracker.log").value_or("");
  INFO(logs);
  std::istringstream lines(logs);
  std::string line;
  int records = 0;
  bool saw_request = false;
  while (std::getline(lines, line)) {
    json record = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE(record.is_object(), "not a JSON object: " << line);
    CHECK(record["ts"].is_string());
    CHECK(record["level"].is_string());
    CHECK(record["msg"].is_string());
    ++records;
    if (record["msg"] == "request" && record["route"] == "/readyz") {
      saw_request = true;
      CHECK(record["method"] == "GET");
      CHECK(record["status"] == 200);
      CHECK(record["duration_ms"].is_number());
      CHECK(record["level"] == "debug");
    }
  }
  CHECK(records >= 4);
  CHECK(saw_request);
  CHECK(logs.find("not-for-logs") == std::string::npos);
  KeyPair key = *LoadKeyFile(data + "/tracker.key");
  CHECK(logs.find(ToHex(key.secret())) == std::string::npos);
}

TEST_CASE("a bad log option or config file stops the tracker before it starts, saying why") {
  TempDir dir;
  std::string data = dir / "tracker";
  REQUIRE(RunCommand({BinaryPath("tracker"), "init", "--data-dir", data}).first == 0);
  Process bad_level({BinaryPath("tracker"), "run", "--data-dir", data, "--listen", "127.0.0.1:0",
                     "--log-level", "loud"},
                    dir / "level.log");
  CHECK(bad_level.Wait(30s) == 2);
  CHECK(ReadWholeFile(dir / "level.log")->find("--log-level: debug, info, warn or error") !=
        std::string::npos);
  std::ofstream(dir / "bad.conf") << "data-dir = " << data << "\nlisten = 127.0.0.1:0\nport = 1\n";
  Process bad_file({BinaryPath("tracker"), "run", "--config", dir / "bad.conf"}, dir / "file.log");
  CHECK(bad_file.Wait(30s) == 2);
  CHECK(ReadWholeFile(dir / "file.log")->find("bad.conf:3: unknown option 'port'") !=
        std::string::npos);
}

}  // namespace tollstream::test
