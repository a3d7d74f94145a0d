// The segments a broadcaster sells: those listed in an HLS media playlist that
// an encoder writes into a directory, followed as the playlist grows.
//
// A segment is offered only once the playlist lists it (encoders list a
// segment after writing it whole). Each segment is hashed and signed once:
// its statement is kept (thousands of segments, a few hundred bytes each)
// and reused as long as the file's stamp (inode, size, times) is the one it
// was hashed with, and the segment is then sent from its file. File times
// advance by the kernel's clock tick, so a file rewritten to the same size
// within one tick keeps its stamp: a statement is kept only for a file that
// had not changed for a while (`settle`, 2 s) when it was hashed. A settled
// file is hashed as it is read, in pieces, and never held in memory; one
// written more lately (the live edge) is read whole, signed, and sent from
// memory, and the bytes of the most recent such segments are cached, so
// that serving many viewers at the live edge reads each once.
// A background thread prepares (reads, hashes, signs) the newest segment as
// soon as it is listed, and the segment after each one sold, so that a
// viewer's request rarely waits for hashing.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "common/base/files.h"
#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/media/hls_playlist.h"
#include "common/protocol/segment.h"
#include "peer/broadcast/segment_supply.h"

namespace tollstream {

class SegmentSource : public SegmentSupply {
 public:
  // `playlist` is the path of the .m3u8 file; segment URIs are relative to
  // its directory. `rendition`: the name the statements give the segments,
  // for one of a stream's several renditions ("" for a stream of one).
  SegmentSource(std::filesystem::path playlist, std::string stream, KeyPair key,
                std::chrono::milliseconds settle = std::chrono::seconds(2),
                std::string rendition = {});
  ~SegmentSource();
  SegmentSource(const SegmentSource&) = delete;
  SegmentSource& operator=(const SegmentSource&) = delete;

  // Re-reads the playlist if it changed on disk.
  Status Refresh() override;
  SourceInfo Info() override;
  // How long until the next segment is due: the target duration after the
  // playlist last grew, at least `floor_ms`. For a viewer waiting at the live edge.
  int64_t MillisUntilNext(int64_t floor_ms) override;
  // Segment `seq` with its signed statement; nullopt when the playlist does
  // not (yet, or any longer) list it or its file cannot be read.
  std::optional<SourceSegment> Get(uint64_t seq) override;
  // Asks the background thread to prepare segment `seq` if it is listed and
  // not cached; returns at once.
  void Prefetch(uint64_t seq) override;
  PublicKey origin() const override { return m_key.public_key(); }

 private:
  std::optional<SourceSegment> Load(uint64_t seq, const HlsSegment& entry);
  void PrefetchLocked(uint64_t seq);
  void RunPrefetch();

  std::filesystem::path m_playlist_path;
  std::string m_stream;
  std::string m_rendition;
  KeyPair m_key;
  std::chrono::milliseconds m_settle;
  std::mutex m_mutex;
  HlsPlaylist m_playlist;
  bool m_loaded = false;
  std::filesystem::file_time_type m_mtime{};
  uintmax_t m_size = 0;
  std::chrono::steady_clock::time_point m_grew{};  // when the last segment was listed
  struct Signed {
    SegmentStatement statement;
    FileStamp stamp;  // of the file that was hashed
    std::string uri;
    // That file, open, while a segment handed out holds it: deliveries of
    // one segment share one descriptor.
    std::weak_ptr<const OpenFile> file;
  };
  void Remember(uint64_t seq, Signed made);   // keeps its statement, the oldest go
  std::map<uint64_t, SourceSegment> m_cache;  // the most recent segments read into memory
  std::map<uint64_t, Signed> m_signed;        // statements of many more
  std::set<uint64_t> m_loading;               // being read and signed by some thread
  std::condition_variable m_loaded_cv;        // a load finished
  std::deque<uint64_t> m_wanted;              // for the prefetch thread
  std::condition_variable m_wanted_cv;
  bool m_stopping = false;
  std::thread m_prefetcher;  // last: started once the rest exists
};

// The single .m3u8 file in `dir`, or `dir/name` when a name is given.
Result<std::filesystem::path> FindPlaylist(const std::filesystem::path& dir,
                                           const std::string& name);

}  // namespace tollstream
