// The URL a selling node announces: the one given, the address it listens
// on, or (listening on every address) the address that faces the tracker,
// whatever form the tracker's URL takes.
#include "peer/node/advertised_url.h"

#include <doctest/doctest.h>

namespace tollstream::test {

TEST_CASE("the URL announced: given, bound, or the address facing the tracker") {
  HostPort wide{"0.0.0.0", 7800};
  CHECK(*AdvertisedUrl(wide, std::string("http://example.org:80"), "http://127.0.0.1:1") ==
        "http://example.org:80");
  CHECK(*AdvertisedUrl({"127.0.0.1", 7800}, std::nullopt, "http://127.0.0.1:1") ==
        "http://127.0.0.1:7800");
  for (const char* tracker :
       {"http://127.0.0.1:9", "http://127.0.0.1:9/", "http://127.0.0.1", "https://127.0.0.1/x"}) {
    CAPTURE(tracker);
    auto url = AdvertisedUrl(wide, std::nullopt, tracker);
    REQUIRE_MESSAGE(url.ok(), url.error().message);
    CHECK(*url == "http://127.0.0.1:7800");
  }
  CHECK(IsWildcardHost("::"));
  CHECK(IsWildcardHost(""));
  CHECK_FALSE(IsWildcardHost("127.0.0.1"));
  auto nowhere = AdvertisedUrl(wide, std::nullopt, "http://");
  REQUIRE_FALSE(nowhere.ok());
  CHECK(nowhere.error().message.find("--advertise-url") != std::string::npos);
}

}  // namespace tollstream::test
