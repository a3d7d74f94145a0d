// Real peer processes around a real tracker, and real ffmpeg-made video.
#pragma once

#include <doctest/doctest.h>
#include <httplib.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/clock.h"
#include "common/base/files.h"
#include "common/media/hls_playlist.h"
#include "common/protocol/address_text.h"
#include "common/wire/signing.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

using namespace std::chrono_literals;

// ffmpeg arguments, after the video codec's, for keyframes every 2 s, AAC,
// and HLS of 2-second segments, every one kept in the playlist.
inline std::vector<std::string> TwoSecondHlsArgs() {
  return {"-g", "50",  "-sc_threshold", "0", "-keyint_min",    "50", "-c:a", "aac",
          "-f", "hls", "-hls_time",     "2", "-hls_list_size", "0"};
}

// ffmpeg arguments that make H.264/AAC HLS with 2-second segments.
inline std::vector<std::string> HlsOutputArgs(const std::string& dir) {
  std::vector<std::string> args = {"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"};
  auto hls = TwoSecondHlsArgs();
  args.insert(args.end(), hls.begin(), hls.end());
  args.insert(args.end(), {"-hls_segment_filename", dir + "/seg%03d.ts", dir + "/index.m3u8"});
  return args;
}

// `video`: lavfi's description of the picture.
inline std::vector<std::string> TestPatternArgs(
    int seconds, bool realtime, const std::string& video = "testsrc=size=320x240:rate=25") {
  std::vector<std::string> args = {"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error",
                                   "-nostdin"};
  if (realtime) args.push_back("-re");
  std::vector<std::string> inputs = {"-f", "lavfi",
                                     "-i", video,
                                     "-f", "lavfi",
                                     "-i", "sine=frequency=440:sample_rate=44100",
                                     "-t", std::to_string(seconds)};
  args.insert(args.end(), inputs.begin(), inputs.end());
  return args;
}

// An encoder's finished ladder in `hls`: a master playlist, master.m3u8,
// of one variant per {video bitrate, height} (height 0: the source's 240),
// each in hls/vN/index.m3u8, their 2 s segments aligned.
inline void MakeHlsLadder(const std::string& hls, int seconds,
                          const std::vector<std::pair<std::string, int>>& variants) {
  auto args = TestPatternArgs(seconds, /*realtime=*/false);
  std::string n = std::to_string(variants.size());
  std::string graph = "[0:v]split=" + n;
  std::string streams;
  for (size_t i = 0; i < variants.size(); ++i) graph += "[s" + std::to_string(i) + "]";
  for (size_t i = 0; i < variants.size(); ++i) {
    std::string v = std::to_string(i);
    int height = variants[i].second;
    graph += ";[s" + v + "]" + (height > 0 ? "scale=-2:" + std::to_string(height) : "null") + "[v" +
             v + "]";
    streams += (i > 0 ? " v:" : "v:") + v + ",a:" + v;
  }
  args.insert(args.end(), {"-filter_complex", graph});
  for (size_t i = 0; i < variants.size(); ++i)
    args.insert(args.end(), {"-map", "[v" + std::to_string(i) + "]"});
  for (size_t i = 0; i < variants.size(); ++i) args.insert(args.end(), {"-map", "1:a"});
  args.insert(args.end(), {"-c:v", "libx264"});
  for (size_t i = 0; i < variants.size(); ++i) {
    args.insert(args.end(), {"-b:v:" + std::to_string(i), variants[i].first});
  }
  auto hls_args = TwoSecondHlsArgs();
  args.insert(args.end(), hls_args.begin(), hls_args.end());
  args.insert(args.end(),
              {"-master_pl_name", "master.m3u8", "-var_stream_map", streams,
               "-hls_segment_filename", hls + "/v%v/seg%03d.ts", hls + "/v%v/index.m3u8"});
  auto [status, text] = RunCommand(args, 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg failed: " << text);
}

// A finished HLS stream of `seconds` seconds in `dir`.
inline void MakeTestVideo(const std::string& dir, int seconds) {
  std::filesystem::create_directories(dir);
  auto args = TestPatternArgs(seconds, false);
  auto out = HlsOutputArgs(dir);
  args.insert(args.end(), out.begin(), out.end());
  auto [status, text] = RunCommand(args, 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg failed: " << text);
}

// A file `path` of `seconds` of the test pattern (`video`) and a tone,
// H.264/AAC made with `codecs` (default: ffmpeg's), for --source.
inline void MakeTestClip(const std::string& path, int seconds,
                         const std::string& video = "testsrc=size=320x240:rate=25",
                         std::vector<std::string> codecs = {"-c:v", "libx264", "-c:a", "aac"}) {
  auto args = TestPatternArgs(seconds, false, video);
  args.insert(args.end(), codecs.begin(), codecs.end());
  args.push_back(path);
  auto [status, text] = RunCommand(args, 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg failed: " << text);
}

// ffmpeg writing a live stream (real time) into `dir`.
inline std::unique_ptr<Process> StartLiveEncoder(const std::string& dir, int seconds) {
  std::filesystem::create_directories(dir);
  auto args = TestPatternArgs(seconds, true);
  auto out = HlsOutputArgs(dir);
  args.insert(args.end(), out.begin(), out.end());
  return std::make_unique<Process>(args, dir + ".ffmpeg.log");
}

// The segments the source playlist in `dir` lists, with their bytes.
struct SourceSegments {
  HlsPlaylist playlist;
  std::vector<std::string> bytes;
};
inline SourceSegments ReadSource(const std::string& dir) {
  auto text = ReadWholeFile(dir + "/index.m3u8");
  REQUIRE(text.has_value());
  auto playlist = ParseHlsPlaylist(*text);
  REQUIRE(playlist.ok());
  SourceSegments out{*playlist, {}};
  for (const auto& s : playlist->segments) out.bytes.push_back(*ReadWholeFile(dir + "/" + s.uri));
  return out;
}

struct KeyFile {
  std::string path;
  KeyPair key;
  std::string address() const { return AddressOf(key.public_key()); }
};

inline KeyFile NewKeyFile(const std::string& path) {
  auto [status, out] = RunCommand({BinaryPath("peer"), "keygen", "--out", path});
  REQUIRE(status == 0);
  return KeyFile{path, *LoadKeyFile(path)};
}

// A `peer broadcast` process; `url` is where it serves.
struct BroadcasterProcess {
  BroadcasterProcess(const TrackerFixture& t, const KeyFile& key, const std::string& stream,
                     uint64_t price, std::vector<std::string> extra, const std::string& log,
                     const std::string& listen = "127.0.0.1:0")
      : process(
            [&] {
              std::vector<std::string> argv = {
                  BinaryPath("peer"), "broadcast",          "--tracker", t.url(),    "--key",
                  key.path,           "--stream",           stream,      "--listen", listen,
                  "--price",          std::to_string(price)};
              argv.insert(argv.end(), extra.begin(), extra.end());
              return argv;
            }(),
            log) {
    auto line = process.WaitForLine("listening on ", 30s);
    REQUIRE_MESSAGE(line.has_value(), "broadcaster did not start; see " << log);
    url = *line;
    REQUIRE(process.WaitForLine("broadcasting " + stream + " at ", 30s).has_value());
  }
  Process process;
  std::string url;
};

// A `peer watch` process; `playlist_url` is what it serves.
struct ViewerProcess {
  ViewerProcess(const TrackerFixture& t, const KeyFile& key, const std::string& stream,
                uint64_t budget, std::vector<std::string> extra, const std::string& log)
      : process(
            [&] {
              std::vector<std::string> argv = {
                  BinaryPath("peer"), "watch",      "--tracker", t.url(),    "--key",
                  key.path,           "--stream",   stream,      "--budget", std::to_string(budget),
                  "--listen",         "127.0.0.1:0"};
              argv.insert(argv.end(), extra.begin(), extra.end());
              return argv;
            }(),
            log) {
    auto line = process.WaitForLine("serving ", 30s);
    REQUIRE_MESSAGE(line.has_value(), "viewer did not start; see " << log);
    playlist_url = *line;
  }
  Process process;
  std::string playlist_url;
};

// How many streams the tracker lists now.
inline size_t Announced(TrackerFixture& t) {
  auto c = t.NewClient();
  auto r = c->Call("streams", json::object());
  REQUIRE(r.ok());
  return (*r)["streams"].size();
}

// The balance of `address` at the tracker.
inline uint64_t Balance(TrackerFixture& t, const std::string& address) {
  auto c = t.NewClient();
  auto r = c->Call("account", {{"address", address}});
  REQUIRE(r.ok());
  return (*r)["balance"].get<uint64_t>();
}

// ffmpeg's per-packet checksums of a stream read with -c copy.
inline std::string FrameChecksums(const std::string& input) {
  auto [status, out] =
      RunCommand({"/usr/bin/ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-i", input,
                  "-map", "0", "-c", "copy", "-f", "framemd5", "-"},
                 120s);
  REQUIRE_MESSAGE(status == 0, "ffmpeg could not read " << input);
  return out;
}

}  // namespace tollstream::test

namespace tollstream::test {

// GETs `url` (http://host:port/path); returns the body, or nullopt.
inline std::optional<std::string> HttpGet(const std::string& url) {
  auto slash = url.find('/', 7);
  httplib::Client http(url.substr(0, slash));
  auto res = http.Get(url.substr(slash));
  if (!res || res->status != 200) return std::nullopt;
  return res->body;
}

// The value of counter `name` in the /metrics of the node at `base_url`.
inline uint64_t CounterValue(const std::string& base_url, const std::string& name) {
  auto text = HttpGet(base_url + "/metrics");
  REQUIRE(text.has_value());
  std::string line = "\n" + name + " ";
  auto at = text->find(line);
  REQUIRE_MESSAGE(at != std::string::npos, name << " is not in the metrics");
  return std::stoull(text->substr(at + line.size()));
}

// The base URL (http://host:port) of a node's status page, from what it said.
inline std::string StatusPageOf(const Process& node) {
  std::string said = node.output();
  auto at = said.find("\nstatus page ");
  REQUIRE_MESSAGE(at != std::string::npos, "no status page in: " << said);
  at += std::string_view("\nstatus page ").size();
  return said.substr(at, said.find('/', at + 7) - at);
}

// A node's status page figures now: the first "state" event of its /events
// (`base_url`: http://host:port).
inline json NodeState(const std::string& base_url) {
  std::string text;
  httplib::Client http(base_url);
  http.set_read_timeout(10, 0);
  const std::string mark = "event: state\ndata: ";
  auto complete = [&] {
    auto at = text.find(mark);
    return at != std::string::npos && text.find('\n', at + mark.size()) != std::string::npos;
  };
  http.Get("/events", [&](const char* data, size_t n) {
    text.append(data, n);
    return !complete();
  });
  REQUIRE_MESSAGE(complete(), "no state from " << base_url << "/events");
  auto at = text.find(mark) + mark.size();
  return json::parse(text.substr(at, text.find('\n', at) - at));
}

// The status page's "ingest" once `ready` holds of it (the page is
// refreshed twice a second), or as it is after `timeout`.
inline json IngestOnPage(const std::string& page, const std::function<bool(const json&)>& ready,
                         std::chrono::milliseconds timeout = 2s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  json ingest = NodeState(page)["ingest"];
  while (!ready(ingest) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    ingest = NodeState(page)["ingest"];
  }
  return ingest;
}

// The viewer's playlist, parsed (an empty one while it has nothing yet).
inline HlsPlaylist ViewerPlaylist(const ViewerProcess& v) {
  auto text = HttpGet(v.playlist_url);
  if (!text) return {};
  auto parsed = ParseHlsPlaylist(*text);
  return parsed ? *parsed : HlsPlaylist{};
}

// The viewer's playlist once it is ended (the viewer ends it as it stops
// buying, just after it settles), or as it stands after 10 s.
inline HlsPlaylist EndedViewerPlaylist(const ViewerProcess& v) {
  HlsPlaylist playlist = ViewerPlaylist(v);
  for (int i = 0; i < 100 && !playlist.ended; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    playlist = ViewerPlaylist(v);
  }
  return playlist;
}

// Waits until the source playlist in `dir` lists at least `n` segments.
inline bool WaitForSegments(const std::string& dir, size_t n, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = ReadWholeFile(dir + "/index.m3u8");
    if (text) {
      auto p = ParseHlsPlaylist(*text);
      if (p && p->segments.size() >= n) return true;
    }
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

}  // namespace tollstream::test
