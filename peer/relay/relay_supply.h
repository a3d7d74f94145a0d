// The segments a relay sells: those its own buying brought in, each with the
// statement its origin signed (forwarded unchanged, so downstream viewers
// check the origin's signature however many hops away). The newest `keep`
// are held in memory; a segment not bought yet is not sold.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>

#include "peer/broadcast/segment_supply.h"

namespace tollstream {

class RelaySupply : public SegmentSupply {
 public:
  // `origin`, when not known yet, is taken from the first segment added.
  explicit RelaySupply(std::optional<PublicKey> origin = std::nullopt, size_t keep = 32)
      : m_keep(keep), m_origin(origin) {}

  // Adds a bought segment. Precondition: its statement is the origin's and
  // its bytes were checked against it; seq is above the last added.
  void Add(SegmentStatement statement, std::string bytes);
  // Nothing more will come (the stream ended upstream).
  void End();
  // The stream has an end: upstream it is a finished recording.
  void SetFinished();

  Status Refresh() override { return Status::Ok(); }
  SourceInfo Info() override;
  int64_t MillisUntilNext(int64_t floor_ms) override;
  std::optional<SourceSegment> Get(uint64_t seq) override;
  void Prefetch(uint64_t) override {}
  PublicKey origin() const override;

 private:
  const size_t m_keep;
  mutable std::mutex m_mutex;
  std::optional<PublicKey> m_origin;
  std::map<uint64_t, SourceSegment> m_segments;
  bool m_ended = false;
  bool m_finished = false;
  int64_t m_target_ms = 0;
  std::chrono::steady_clock::time_point m_added{};
};

}  // namespace tollstream
