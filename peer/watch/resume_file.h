// Where a viewer's run stopped buying a stream: the stream, its origin and
// the first segment not paid for, kept as `resume.json` in the viewer's
// store directory (`peer watch --store-dir`). It is replaced, synced, after
// every segment bought, so a viewer restarted with the same store directory
// starts from there and never pays twice for a segment an earlier run paid.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "common/base/result.h"
#include "common/crypto/keys.h"

namespace tollstream {

struct ResumePoint {
  std::string stream;
  PublicKey origin;
  uint64_t next = 0;  // the first segment not paid for
};

// Where a viewer restarted at `point` starts on a source that holds
// segments `first` to `last` (unset: none yet) of a stream, `finished` when
// it is a recording that grows no more.
struct ResumeStart {
  bool bought_to_end = false;    // a finished stream the earlier run bought whole
  std::optional<uint64_t> from;  // where to start; unset: as a new viewer would
};
ResumeStart StartAfter(const ResumePoint& point, std::optional<uint64_t> first,
                       std::optional<uint64_t> last, bool finished);

class ResumeFile {
 public:
  explicit ResumeFile(std::filesystem::path dir) : m_path(std::move(dir) / "resume.json") {}

  // The point kept, or nullopt when there is none. Errors: kInvalidField
  // (the file does not parse), kUnavailable (it cannot be read).
  Result<std::optional<ResumePoint>> Load() const;
  // Replaces the point kept, synced. Errors: kUnavailable (cannot write).
  Status Save(const ResumePoint& point) const;

  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

}  // namespace tollstream
