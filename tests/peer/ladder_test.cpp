// A stream's renditions: named on the command line, priced, and made by one
// ffmpeg into playlists whose segments share boundaries and numbers.
#include "peer/broadcast/ladder.h"

#include <doctest/doctest.h>

#include "peer/broadcast/encoder.h"
#include "tests/peer/peer_fixture.h"
#include "tests/support/temp_dir.h"

namespace tollstream::test {

TEST_CASE("renditions named on the command line, from the highest bitrate down") {
  auto ladder = ParseRenditions("1080p:6000k,720p:3M,360p:800000,low:200k:144");
  REQUIRE_MESSAGE(ladder.ok(), ladder.error().message);
  REQUIRE(ladder->size() == 4);
  CHECK((*ladder)[0].name == "1080p");
  CHECK((*ladder)[0].height == 1080);
  CHECK((*ladder)[0].bitrate == 6'000'000);
  CHECK((*ladder)[1].bitrate == 3'000'000);
  CHECK((*ladder)[2].height == 360);
  CHECK((*ladder)[2].bitrate == 800'000);
  CHECK((*ladder)[3].height == 144);

  for (auto [text, says] : std::vector<std::pair<const char*, const char*>>{
           {"", "is not NAME:BITRATE[:HEIGHT]"},
           {"720p", "is not NAME:BITRATE[:HEIGHT]"},
           {"720p:3000k,360p:800k,", "is not NAME:BITRATE[:HEIGHT]"},
           {"720p:fast", "the bitrate is a number"},
           {"720p:0", "the bitrate is a number"},
           {"720p:3000k:7", "even number of pixels"},
           {"721p:3000k", "even number of pixels"},
           {"high:3000k", "give the height"},
           {"a b:3000k:720", "a name is 1 to 64"},
           {"720p:3000k,720p:800k", "720p is named twice"},
           {"360p:800k,720p:3000k", "from the highest bitrate down"},
           {"a:9k:100,b:8k:100,c:7k:100,d:6k:100,e:5k:100,f:4k:100,g:3k:100,h:2k:100,i:1k:100",
            "at most 8 renditions"}}) {
    CAPTURE(text);
    auto refused = ParseRenditions(text);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code == ErrorCode::kInvalidField);
    CHECK_MESSAGE(refused.error().message.find(says) != std::string::npos, refused.error().message);
  }
}

TEST_CASE("prices proportional to bitrate from the top price, or one each") {
  auto ladder = *ParseRenditions("1080p:6000k,720p:3000k,360p:800k,144p:10k");
  REQUIRE(PriceRenditions(ladder, 6, "").ok());
  CHECK(ladder[0].price == 6);
  CHECK(ladder[1].price == 3);
  CHECK(ladder[2].price == 1);  // 0.8, rounded
  CHECK(ladder[3].price == 1);  // 0.01: at least 1 when the top costs anything
  REQUIRE(PriceRenditions(ladder, 0, "").ok());
  CHECK(ladder[3].price == 0);
  REQUIRE(PriceRenditions(ladder, 9'007'199'254'740'991, "").ok());
  CHECK(ladder[0].price == 9'007'199'254'740'991);
  CHECK(ladder[1].price == 4'503'599'627'370'496);  // half, rounded up
  REQUIRE(PriceRenditions(ladder, 10, "10,4,2,1").ok());
  CHECK(ladder[0].price == 10);
  CHECK(ladder[3].price == 1);
  auto other_top = PriceRenditions(ladder, 6, "10,4,2,1");  // --price is the highest
  REQUIRE_FALSE(other_top.ok());
  CHECK(other_top.error().message ==
        "--rendition-prices: the highest must be --price, 6 (it is 10)");
  CHECK_FALSE(PriceRenditions(ladder, 6, "10,4,2").ok());
  CHECK_FALSE(PriceRenditions(ladder, 6, "10,4,2,x").ok());
  CHECK_FALSE(PriceRenditions(ladder, 6, "10,4,2,9007199254740992").ok());
}

TEST_CASE("one ffmpeg makes every rendition, their segments aligned") {
  TempDir tmp;
  std::filesystem::path root = tmp.path();
  std::string source = (root / "source.mp4").string();
  MakeTestClip(source, 9);

  auto ladder = *ParseRenditions("240p:600k,144p:200k,96p:100k");
  EncoderInput input;
  input.args = {"-i", source};
  input.ladder = ladder;
  input.playlist = "240p/index.m3u8";
  Encoder encoder;
  REQUIRE(encoder.Start(input, root / "hls", 2).ok());
  int status = -1;
  for (int i = 0; i < 600 && encoder.Running(&status); ++i) std::this_thread::sleep_for(100ms);
  REQUIRE_MESSAGE(status == 0, encoder.LastWords());

  std::vector<HlsPlaylist> playlists;
  for (const RenditionSpec& r : ladder) {
    std::string dir = (root / "hls" / r.name).string();
    auto text = ReadWholeFile(dir + "/index.m3u8");
    REQUIRE(text.has_value());
    auto playlist = ParseHlsPlaylist(*text);
    REQUIRE(playlist.ok());
    CHECK(playlist->ended);
    playlists.push_back(*playlist);
    // Each rendition at its height (the width keeps 4:3).
    auto [probed, size] = RunCommand({"/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0",
                                      "-show_entries", "stream=width,height", "-of", "csv=p=0",
                                      dir + "/" + playlist->segments.at(0).uri});
    REQUIRE(probed == 0);
    CHECK(size.substr(0, size.find('\n')) ==
          std::to_string(r.height * 4 / 3 / 2 * 2) + "," + std::to_string(r.height));
  }
  // The same segments in each: numbers, count and durations.
  REQUIRE(playlists[0].segments.size() >= 4);
  for (const HlsPlaylist& p : playlists) {
    CHECK(p.media_sequence == playlists[0].media_sequence);
    REQUIRE(p.segments.size() == playlists[0].segments.size());
    for (size_t i = 0; i < p.segments.size(); ++i) {
      CHECK(p.segments[i].duration_ms == playlists[0].segments[i].duration_ms);
    }
  }
  CHECK(playlists[0].segments[0].duration_ms == 2000);
}

}  // namespace tollstream::test
