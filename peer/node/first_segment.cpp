#include "peer/node/first_segment.h"

#include <chrono>

#include "common/base/files.h"
#include "common/media/hls_master.h"
#include "common/media/hls_playlist.h"
#include "common/observe/log.h"
#include "peer/broadcast/ladder.h"
#include "peer/broadcast/segment_source.h"

namespace tollstream {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kPoll = std::chrono::milliseconds(200);
constexpr auto kParseGrace = std::chrono::seconds(5);
constexpr auto kRemindEvery = std::chrono::seconds(30);

Error Refused(const std::filesystem::path& playlist, const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, playlist.string() + ": " + why);
}

// What a look at the playlist found: a segment to sell, or why the text
// does not parse (yet). Errors: what is never sold.
struct Look {
  bool sellable = false;
  std::string unparsed;  // "" when it parsed
};
Result<Look> Sellable(const std::filesystem::path& path, const std::string& text) {
  if (IsHlsMaster(text)) {
    // Its renditions are sold once the top one has a segment.
    auto variants = ParseHlsMaster(text);
    if (!variants) return Look{false, variants.error().message};
    auto ladder = RenditionsOfMaster(std::move(*variants));
    if (!ladder) return Refused(path, ladder.error().message);
    std::filesystem::path top = path.parent_path() / ladder->front().playlist;
    auto media = ReadWholeFile(top);
    if (!media) return Look{false, ""};
    if (IsHlsMaster(*media)) return Refused(top, "is a master playlist inside a master playlist");
    return Sellable(top, *media);
  }
  if (text.find("#EXT-X-MAP") != std::string::npos) {
    return Refused(path,
                   "has fMP4/CMAF segments (#EXT-X-MAP), which are not sold: have the encoder "
                   "write MPEG-TS segments (ffmpeg: -hls_segment_type mpegts)");
  }
  auto playlist = ParseHlsPlaylist(text);
  if (!playlist) return Look{false, playlist.error().message};
  return Look{!playlist->segments.empty(), ""};
}

}  // namespace

Result<std::filesystem::path> WaitForFirstSegment(const std::filesystem::path& dir,
                                                  const std::string& name, Encoder* encoder,
                                                  StopFlag& stop, const std::string& secret) {
  auto hide = [&secret](Error e) {
    e.message = Masked(std::move(e.message), {secret});
    return e;
  };
  auto began = Clock::now();
  auto reminded = began;
  Clock::time_point unparsed_since{};  // meaningful while `unparsed`
  bool unparsed = false;
  LogInfo("waiting for the first segment in " + dir.string());
  while (!stop.WaitFor(std::chrono::duration_cast<std::chrono::milliseconds>(kPoll))) {
    int status = 0;
    // A listener waits for its sender as long as it takes; it fails only
    // when it cannot listen (a non-zero exit).
    bool listener = encoder != nullptr && encoder->listener();
    bool ended = encoder != nullptr && !encoder->Running(&status) && (!listener || status != 0);
    if (listener && !ended) encoder->Supervise();
    auto path = FindPlaylist(dir, name);
    if (!path) return hide(path.error());
    auto text = ReadWholeFile(*path);
    if (text) {
      auto look = Sellable(*path, *text);
      if (!look) return hide(look.error());
      if (look->sellable) return *path;
      if (look->unparsed.empty()) {
        unparsed = false;
      } else if (!unparsed) {
        LogWarn(hide(Refused(*path, "does not parse: " + look->unparsed)).message);
        unparsed = true;
        unparsed_since = Clock::now();
      } else if (Clock::now() - unparsed_since > kParseGrace) {
        return hide(Refused(*path, "does not parse: " + look->unparsed));
      }
    }
    if (ended) {
      encoder->Stop();  // its last words read
      std::string said = encoder->LastWords();
      return hide(MakeError(ErrorCode::kUnavailable,
                            encoder->name() + " ended (status " + std::to_string(status) +
                                ") before the first segment" + (said.empty() ? "" : ": " + said)));
    }
    if (Clock::now() - reminded > kRemindEvery) {
      reminded = Clock::now();
      LogInfo("still waiting for the first segment in " + dir.string());
    }
  }
  return MakeError(ErrorCode::kUnavailable, "stopped before the first segment");
}

}  // namespace tollstream
