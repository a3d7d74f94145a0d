// ffmpeg, run by the broadcaster for `--source FILE`: encodes the file in real
// time (-re) into HLS in a directory, H.264/AAC in MPEG-TS segments of a fixed
// duration (keyframes forced at every segment boundary).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

#include "common/base/result.h"

namespace tollstream {

class Encoder {
 public:
  Encoder() = default;
  ~Encoder();  // stops ffmpeg if it still runs
  Encoder(const Encoder&) = delete;
  Encoder& operator=(const Encoder&) = delete;

  // Starts ffmpeg writing `dir`/index.m3u8. Errors: kUnavailable (no ffmpeg).
  Status Start(const std::string& source, const std::filesystem::path& dir, int segment_seconds);
  // True while ffmpeg runs; sets `exit_status` once it has ended.
  bool Running(int* exit_status = nullptr);
  void Stop();

 private:
  pid_t m_pid = -1;
  int m_status = -1;
};

}  // namespace tollstream
