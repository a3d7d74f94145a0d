// What a broadcasting node sells, segment by segment: each with the
// statement its origin signed. An origin reads an encoder's playlist
// (SegmentSource); a relay sells the segments it bought (RelaySupply).
//
// Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/base/files.h"
#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/protocol/segment.h"

namespace tollstream {

// A segment's bytes are in memory, in a file, or both. `file` is the file
// the statement was signed from, kept open, when its bytes can be sent from
// it while it is that version (else null); `bytes` are null only when
// `file` is set: a segment whose file had settled when it was hashed, sent
// from the file alone. Such a segment has no copy to fall back on: once its
// file changes it cannot be sent whole (Sendable), and is got again.
struct SourceSegment {
  SegmentStatement statement;
  std::shared_ptr<const std::string> bytes;
  std::shared_ptr<const OpenFile> file;
  // Whether its signed bytes can still be sent: from memory, or from a file
  // that has not changed since.
  bool Sendable() const { return bytes != nullptr || (file != nullptr && file->Unchanged()); }
};

struct SourceInfo {
  bool available = false;  // at least one segment is held
  uint64_t first = 0;
  uint64_t last = 0;
  bool ended = false;  // no segment will come after `last`
  // The stream itself has an end (a finished recording, not a live one),
  // though this seller may not hold all of it yet: a viewer starts at the
  // start rather than at the live edge.
  bool finished = false;
  int64_t target_duration = 0;
};

class SegmentSupply {
 public:
  virtual ~SegmentSupply() = default;
  // Brings the view of what is held up to date (e.g. re-reads a playlist).
  virtual Status Refresh() = 0;
  virtual SourceInfo Info() = 0;
  // How long until the next segment is due, at least `floor_ms`.
  virtual int64_t MillisUntilNext(int64_t floor_ms) = 0;
  // Segment `seq` with its origin's statement; nullopt when not held.
  virtual std::optional<SourceSegment> Get(uint64_t seq) = 0;
  // A hint that `seq` is wanted soon; returns at once.
  virtual void Prefetch(uint64_t seq) = 0;
  // The key that signs the segments' statements.
  virtual PublicKey origin() const = 0;
};

}  // namespace tollstream
