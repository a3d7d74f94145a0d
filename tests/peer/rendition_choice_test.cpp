// How a viewer's node picks the rendition it buys next.
#include "peer/watch/rendition_choice.h"

#include <doctest/doctest.h>

namespace tollstream {
namespace {

using std::chrono::milliseconds;

std::vector<RenditionSpec> Ladder() {
  return *ParseRenditions("240p:1200k,144p:300k,96p:100k");  // each needs 128k more for audio
}

// A segment of 2 s of `index` arriving at `kbits` kbit/s.
bool Arrive(RenditionChoice& choice, size_t index, uint64_t bytes, uint64_t kbits) {
  auto took = std::chrono::microseconds(bytes * 8 * 1000 / kbits);
  return choice.Arrived(index, bytes, 2000, took);
}

}  // namespace

TEST_CASE("down at once when a segment comes too slowly for real time, as far as needed") {
  RenditionChoice choice(Ladder());
  CHECK(choice.current() == 0);
  CHECK_FALSE(Arrive(choice, 0, 300'000, 50'000));  // fast: stays
  CHECK(choice.current() == 0);
  CHECK(choice.throughput() == 50'000'000);
  // 300 kB in 4 s: 600 kbit/s carries 144p (428k, with a fifth to spare).
  CHECK(Arrive(choice, 0, 300'000, 600));
  CHECK(choice.current() == 1);
  CHECK(choice.rendition().name == "144p");
  // 1.7 s of 2: still too slow for 144p at 300 kbit/s... down to the lowest.
  CHECK(Arrive(choice, 1, 75'000, 352));
  CHECK(choice.current() == 2);
  CHECK_FALSE(Arrive(choice, 2, 30'000, 20));  // nothing lower: stays
  CHECK(choice.current() == 2);
}

TEST_CASE("up one rendition at a time, after three fast segments in a row") {
  RenditionChoice choice(Ladder());
  REQUIRE(Arrive(choice, 0, 300'000, 200));  // to the lowest
  REQUIRE(choice.current() == 2);
  // 144p needs 428k: up takes 642k or more, three times in a row.
  CHECK_FALSE(Arrive(choice, 2, 30'000, 700));
  CHECK_FALSE(Arrive(choice, 2, 30'000, 700));
  CHECK_FALSE(Arrive(choice, 2, 30'000, 600));  // not fast enough: the run starts again
  CHECK_FALSE(Arrive(choice, 2, 30'000, 700));
  CHECK_FALSE(Arrive(choice, 2, 30'000, 700));
  CHECK(Arrive(choice, 2, 30'000, 700));
  CHECK(choice.current() == 1);
  // Not to 240p (1328k needs 1992k) at 1500k; at 2000k after three.
  for (int i = 0; i < 5; ++i) CHECK_FALSE(Arrive(choice, 1, 75'000, 1500));
  CHECK_FALSE(Arrive(choice, 1, 75'000, 2000));
  CHECK_FALSE(Arrive(choice, 1, 75'000, 2000));
  CHECK(Arrive(choice, 1, 75'000, 2000));
  CHECK(choice.current() == 0);
  // A segment of a rendition left behind counts for nothing upward.
  CHECK_FALSE(Arrive(choice, 1, 75'000, 100'000));
  CHECK(choice.current() == 0);
}

TEST_CASE("a pinned rendition is kept whatever comes") {
  RenditionChoice choice(Ladder(), "144p");
  CHECK(choice.current() == 1);
  CHECK_FALSE(Arrive(choice, 1, 75'000, 10));
  for (int i = 0; i < 5; ++i) CHECK_FALSE(Arrive(choice, 1, 75'000, 100'000));
  CHECK(choice.current() == 1);
  RenditionChoice unknown(Ladder(), "4k");  // not sold: adapts from the top
  CHECK(unknown.current() == 0);
}

}  // namespace tollstream
