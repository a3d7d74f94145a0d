// ffmpeg, run by the broadcaster: for `--source FILE`, encodes the file in
// real time (-re) into HLS in a directory, H.264/AAC in MPEG-TS segments of a
// fixed duration (keyframes forced at every segment boundary); for
// `--ingest` (peer/broadcast/ingest.h), listens for a sender and copies what
// it sends into segments as it is.
//
// Supervised: its stderr goes to the node's log, a line at a time ("ffmpeg:
// ..."), the last lines kept for error messages. Supervise(), called every
// so often, restarts an ffmpeg that failed (a non-zero exit) after a
// backoff (1 s, doubling to 30 s, back to 1 s once a run lasted a minute;
// a listener's always 1 s, so that a streamer can come back),
// saying so in one log line; the restarted ffmpeg appends to the same
// playlist (numbers go on, with #EXT-X-DISCONTINUITY). An ffmpeg that ends
// with status 0 (the file's end) is not restarted, unless it is a listener:
// a listener's ffmpeg ends when its sender leaves, and listens again at
// once; its playlist is never ended by ffmpeg (EndPlaylist does).
//
// The packager gets SIGTERM when the thread that started it ends, so a node
// killed outright leaves none behind: Start and Supervise are called from
// one thread that lives as long as the node.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/result.h"
#include "peer/broadcast/ladder.h"

namespace tollstream {

struct EncoderInput {
  std::vector<std::string> args;  // ffmpeg's input arguments: "-re", "-i", FILE
  bool copy = false;              // the codecs as they come, not encoded again
  bool listener = false;          // waits for a sender (see above)
  // Another packager instead of ffmpeg (nginx for RTMP): its whole command,
  // run as it is at every start, and the playlist it writes in the directory.
  std::vector<std::string> command;
  std::string playlist = "index.m3u8";
  // Never logged nor quoted: each is shown as "***" in what the packager
  // says (ffmpeg prints its input URL, passphrase included).
  std::vector<std::string> secrets;
  // Renditions to make (ladder.h), each into its own folder NAME/ of the
  // directory, instead of one index.m3u8; `copy` does not apply.
  std::vector<RenditionSpec> ladder;
};

// `text` with each of `secrets` shown as "***".
std::string Masked(std::string text, const std::vector<std::string>& secrets);

class Encoder {
 public:
  Encoder() = default;
  ~Encoder();  // stops ffmpeg if it still runs
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Starts ffmpeg writing `dir`/index.m3u8. Errors: kUnavailable (no ffmpeg).
  Status Start(EncoderInput input, const std::filesystem::path& dir, int segment_seconds);
  // The same for a file, encoded in real time.
  Status Start(const std::string& source, const std::filesystem::path& dir, int segment_seconds) {
    EncoderInput input;
    input.args = {"-re", "-i", source};
    return Start(std::move(input), dir, segment_seconds);
  }
  bool listener() const { return m_input.listener; }
  const std::string& name() const { return m_name; }  // ffmpeg, nginx
  // Stops ffmpeg for good and ends its playlist (#EXT-X-ENDLIST), for a
  // listener whose sender did not come back.
  Status EndPlaylist();
  // True while ffmpeg runs; sets `exit_status` once it has ended.
  bool Running(int* exit_status = nullptr);
  // Restarts a failed ffmpeg when its backoff has passed (see above).
  void Supervise();
  int restarts() const { return m_restarts; }
  // The last lines ffmpeg wrote to stderr, joined by "; " ("" for none).
  std::string LastWords() const;
  void Stop();

 private:
  Status Spawn(bool append);
  void JoinReader();

  EncoderInput m_input;
  std::string m_name;  // in log lines: ffmpeg, nginx
  std::filesystem::path m_dir;
  int m_segment_seconds = 2;
  pid_t m_pid = -1;
  int m_status = -1;
  std::thread m_reader;  // ffmpeg's stderr, into the log
  mutable std::mutex m_mutex;
  std::deque<std::string> m_last_lines;
  using Clock = std::chrono::steady_clock;
  Clock::time_point m_started{};
  std::chrono::seconds m_backoff{1};
  std::optional<Clock::time_point> m_restart_at;
  int m_restarts = 0;
  bool m_ended = false;  // EndPlaylist was called
};

}  // namespace tollstream
