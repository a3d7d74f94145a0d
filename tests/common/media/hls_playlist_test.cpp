#include "common/media/hls_playlist.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("parses what ffmpeg writes") {
  auto p = ParseHlsPlaylist(
      "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:7\n"
      "#EXT-X-INDEPENDENT-SEGMENTS\n#EXTINF:2.000000,\nseg007.ts\n#EXTINF:1.960000,\r\nseg008."
      "ts\r\n"
      "#EXT-X-ENDLIST\n");
  REQUIRE(p.ok());
  CHECK(p->target_duration == 2);
  CHECK(p->ended);
  REQUIRE(p->segments.size() == 2);
  CHECK(p->segments[0].seq == 7);
  CHECK(p->segments[0].duration_ms == 2000);
  CHECK(p->segments[1].seq == 8);
  CHECK(p->segments[1].duration_ms == 1960);
  CHECK(p->segments[1].uri == "seg008.ts");
}

TEST_CASE("a live playlist has no end; serializing keeps it readable") {
  HlsPlaylist p;
  p.media_sequence = 3;
  p.segments = {{3, 2000, "a/3.ts", false}, {4, 2500, "a/4.ts", true}};
  std::string text = p.Serialize();
  CHECK(text.find("#EXT-X-TARGETDURATION:3") != std::string::npos);
  CHECK(text.find("#EXT-X-ENDLIST") == std::string::npos);
  auto back = ParseHlsPlaylist(text);
  REQUIRE(back.ok());
  CHECK_FALSE(back->ended);
  CHECK(back->segments.size() == 2);
  CHECK(back->segments[1].seq == 4);
  CHECK(back->segments[1].duration_ms == 2500);
  CHECK_FALSE(back->segments[0].discontinuity);
  CHECK(back->segments[1].discontinuity);
  p.ended = true;
  CHECK(ParseHlsPlaylist(p.Serialize())->ended);
}

TEST_CASE("a start point before the end is written for players, and ignored by the parser") {
  HlsPlaylist p;
  p.segments = {{0, 2000, "a/0.ts", false}};
  CHECK(p.Serialize().find("#EXT-X-START") == std::string::npos);
  p.start_before_end_ms = 6000;
  std::string text = p.Serialize();
  CHECK(text.find("#EXT-X-START:TIME-OFFSET=-6.000\n") != std::string::npos);
  auto back = ParseHlsPlaylist(text);
  REQUIRE(back.ok());
  CHECK(back->segments.size() == 1);
}

TEST_CASE("refuses what is not a media playlist") {
  for (const char* bad :
       {"", "hello", "#EXTM3U\nseg.ts\n", "#EXTM3U\n#EXTINF:x,\na.ts\n",
        "#EXTM3U\n#EXTINF:-1,\na.ts\n", "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n",
        "#EXTM3U\n#EXT-X-TARGETDURATION:two\n",
        "#EXTM3U\n#EXTINF:1,\na.ts\n#EXT-X-MEDIA-SEQUENCE:4\n"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseHlsPlaylist(bad).ok());
  }
}

}  // namespace tollstream
