#include "common/media/hls_master.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("a master playlist's variants: bandwidth, resolution, name and URI") {
  const char* text =
      "#EXTM3U\n#EXT-X-VERSION:3\n"
      "#EXT-X-STREAM-INF:BANDWIDTH=625900,RESOLUTION=320x240,CODECS=\"avc1.f4000d,mp4a.40.2\"\n"
      "v0/index.m3u8\n\n"
      "#EXT-X-STREAM-INF:CODECS=\"avc1,mp4a\",RESOLUTION=160x120,NAME=\"low\",BANDWIDTH=240900\r\n"
      "v1/index.m3u8\r\n";
  CHECK(IsHlsMaster(text));
  auto variants = ParseHlsMaster(text);
  REQUIRE_MESSAGE(variants.ok(), variants.error().message);
  REQUIRE(variants->size() == 2);
  CHECK((*variants)[0].bandwidth == 625900);
  CHECK((*variants)[0].width == 320);
  CHECK((*variants)[0].height == 240);
  CHECK((*variants)[0].name.empty());
  CHECK((*variants)[0].uri == "v0/index.m3u8");
  CHECK((*variants)[1].name == "low");
  CHECK((*variants)[1].height == 120);
  CHECK((*variants)[1].uri == "v1/index.m3u8");

  CHECK_FALSE(IsHlsMaster("#EXTM3U\n#EXTINF:2,\nseg0.ts\n"));
  for (const char* bad :
       {"#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\nv.m3u8\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=x\nv.m3u8\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=9,RESOLUTION=9\nv.m3u8\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=9\n", "#EXTM3U\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=9\n#EXT-X-STREAM-INF:BANDWIDTH=8\nv\n",
        "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=99999999999\nv.m3u8\n"}) {
    CAPTURE(bad);
    auto refused = ParseHlsMaster(bad);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
  }
}

}  // namespace tollstream
