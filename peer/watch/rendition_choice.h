// Which rendition a viewer's node buys next, of a stream sold in several,
// from how fast the segments it bought arrived: down at once when a segment
// took more than 80 % of its playing time (the link cannot carry it in real
// time), to the highest rendition the throughput that segment showed
// carries with a fifth to spare; up one rendition at a time, cautiously,
// after three segments in a row each of which arrived fast enough to carry
// the next one up with half to spare. A pinned rendition never changes.
//
// Pure: the caller measures and says what arrived.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "peer/broadcast/ladder.h"

namespace tollstream {

class RenditionChoice {
 public:
  // `renditions`: those a contract may buy, the top one first (their
  // bitrates say what each needs); `pinned`: one of them to keep to ("":
  // adapt). Starts at the pinned one, else the top one.
  explicit RenditionChoice(std::vector<RenditionSpec> renditions, const std::string& pinned = "");

  // A segment of renditions()[index], `bytes` long and `duration_ms` of
  // playing time, arrived `took` after it was asked for. Returns whether
  // the choice changed.
  bool Arrived(size_t index, uint64_t bytes, int64_t duration_ms, std::chrono::microseconds took);

  // Keeps to rendition `name` from now on ("": adapts again, from the one
  // bought now). Returns false, changing nothing, for a name not listed.
  bool Pin(const std::string& name);
  bool pinned() const { return m_pinned; }

  size_t current() const { return m_current; }
  const RenditionSpec& rendition() const { return m_renditions.at(m_current); }
  const std::vector<RenditionSpec>& renditions() const { return m_renditions; }
  // The throughput the last segment showed, bits per second (0 before one).
  uint64_t throughput() const { return m_throughput; }

 private:
  std::vector<RenditionSpec> m_renditions;
  bool m_pinned = false;
  size_t m_current = 0;
  uint64_t m_throughput = 0;
  int m_fast_in_a_row = 0;
};

}  // namespace tollstream
