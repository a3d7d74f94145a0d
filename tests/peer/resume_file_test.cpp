// The viewer's resume point: kept and read back exactly, a damaged file an
// error (never a silent start elsewhere), and where a restarted viewer
// starts for every place of the point against what the source holds.
#include "peer/watch/resume_file.h"

#include <doctest/doctest.h>

#include <fstream>
#include <optional>
#include <vector>

#include "tests/support/temp_dir.h"

namespace tollstream::test {

TEST_CASE("a resume point is kept and read back; none, or a damaged one, is told apart") {
  TempDir dir;
  ResumeFile file(dir.path());
  auto none = file.Load();
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());

  PublicKey origin = KeyPair::Generate().public_key();
  REQUIRE(file.Save({"news", origin, 41}).ok());
  REQUIRE(file.Save({"news", origin, 42}).ok());  // replaced
  auto kept = file.Load();
  REQUIRE(kept.ok());
  REQUIRE(kept->has_value());
  CHECK((*kept)->stream == "news");
  CHECK((*kept)->origin == origin);
  CHECK((*kept)->next == 42);
  CHECK_FALSE(std::filesystem::exists(file.path().string() + ".part"));

  for (const char* damaged : {"", "{", "[]", R"({"stream":"news","origin":"zz","next":1})",
                              R"({"stream":"news","next":1})"}) {
    CAPTURE(damaged);
    std::ofstream(file.path()) << damaged;
    auto read = file.Load();
    REQUIRE_FALSE(read.ok());
    CHECK(read.error().code == ErrorCode::kInvalidField);
  }
}

TEST_CASE("a restarted viewer starts where its earlier run stopped paying, while it is held") {
  PublicKey origin = KeyPair::Generate().public_key();
  ResumePoint at10{"news", origin, 10};
  struct Case {
    const char* name;
    std::optional<uint64_t> first, last;
    bool finished;
    bool to_end;
    std::optional<uint64_t> from;
  };
  std::vector<Case> cases = {
      {"live, held", 5, 20, false, false, 10},
      {"live, the oldest held", 10, 20, false, false, 10},
      {"live, the next to be written", 3, 9, false, false, 10},
      {"live, left the window", 11, 20, false, false, std::nullopt},
      {"live, far beyond the stream (another stream's point)", 0, 4, false, false, std::nullopt},
      {"nothing held yet", std::nullopt, std::nullopt, false, false, std::nullopt},
      {"a recording, held", 0, 30, true, false, 10},
      {"a recording bought to its end", 0, 9, true, true, std::nullopt},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ResumeStart start = StartAfter(at10, c.first, c.last, c.finished);
    CHECK(start.bought_to_end == c.to_end);
    CHECK(start.from == c.from);
  }
}

}  // namespace tollstream::test
