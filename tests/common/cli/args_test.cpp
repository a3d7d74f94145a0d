// Options from the command line, the environment and a config file, in
// that order of precedence; what each refuses.
#include "common/cli/args.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

namespace tollstream {
namespace {

Result<Args> ParseLine(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return Args::Parse(static_cast<int>(argv.size()), argv.data(), 1,
                     {"tracker", "data-dir", "price", "amount"}, {"relay"});
}

std::string WriteConfig(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("the command line wins, then the environment, then the config file") {
  test::TempDir dir;
  std::string config = WriteConfig(dir / "node.conf",
                                   "# a node\n"
                                   "tracker = http://from.file:7700\n"
                                   "  data-dir=/var/lib/file  \n"
                                   "price = 3\n"
                                   "relay = true\n");
  ::setenv("TOLLSTREAM_DATA_DIR", "/var/lib/env", 1);
  auto args = ParseLine({"x", "--config", config, "--price", "5"});
  ::unsetenv("TOLLSTREAM_DATA_DIR");
  REQUIRE_MESSAGE(args.ok(), args.error().message);
  CHECK(args->Get("tracker") == "http://from.file:7700");  // the file alone gives it
  CHECK(args->Get("data-dir") == "/var/lib/env");          // the environment over the file
  CHECK(args->Get("price") == "5");                        // the command line over both
  CHECK(args->Has("relay"));

  ::setenv("TOLLSTREAM_RELAY", "false", 1);
  auto off = ParseLine({"x", "--config", config});
  ::unsetenv("TOLLSTREAM_RELAY");
  REQUIRE(off.ok());
  CHECK_FALSE(off->Has("relay"));  // the environment's false over the file's true
  // What moves tokens is never taken from the environment, nor from a file.
  ::setenv("TOLLSTREAM_AMOUNT", "500", 1);
  auto typed = ParseLine({"x"});
  ::unsetenv("TOLLSTREAM_AMOUNT");
  REQUIRE(typed.ok());
  CHECK_FALSE(typed->Has("amount"));
  auto in_file = ParseLine({"x", "--config", WriteConfig(dir / "amount.conf", "amount = 5\n")});
  REQUIRE_FALSE(in_file.ok());
  CHECK(in_file.error().message.find("amount is given on the command line only") !=
        std::string::npos);
  auto none = ParseLine({"x"});
  REQUIRE(none.ok());
  CHECK_FALSE(none->Get("tracker").has_value());
}

TEST_CASE("a config file's mistakes are errors naming the line; so is a missing file") {
  test::TempDir dir;
  struct Bad {
    std::string text;
    std::string said;
  };
  for (const Bad& b : {Bad{"tracker = a\nbudget = 5\n", ":2: unknown option 'budget'"},
                       Bad{"tracker\n", ":1: write name = value"},
                       Bad{"relay = maybe\n", ":1: relay is a switch: true or false"},
                       Bad{"config = other.conf\n", ":1: a config file names no other"}}) {
    CAPTURE(b.text);
    auto args = ParseLine({"x", "--config", WriteConfig(dir / "bad.conf", b.text)});
    REQUIRE_FALSE(args.ok());
    CHECK(args.error().message.find(b.said) != std::string::npos);
  }
  auto missing = ParseLine({"x", "--config", dir / "none.conf"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("cannot read the config file") != std::string::npos);
  ::setenv("TOLLSTREAM_RELAY", "often", 1);
  auto bad_env = ParseLine({"x"});
  ::unsetenv("TOLLSTREAM_RELAY");
  REQUIRE_FALSE(bad_env.ok());
  CHECK(bad_env.error().message.find("TOLLSTREAM_RELAY: relay is a switch") != std::string::npos);
}

}  // namespace tollstream
