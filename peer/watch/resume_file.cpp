#include "peer/watch/resume_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/base/files.h"
#include "common/wire/fields.h"
#include "common/wire/json.h"

namespace tollstream {
namespace {

Error CannotWrite(const std::filesystem::path& path, int err) {
  return MakeError(ErrorCode::kUnavailable,
                   "cannot write " + path.string() + ": " + std::strerror(err));
}

// Writes `text` to `path` and syncs it.
Status WriteSynced(const std::filesystem::path& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return CannotWrite(path, errno);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return CannotWrite(path, err);
  return Status::Ok();
}

}  // namespace

ResumeStart StartAfter(const ResumePoint& point, std::optional<uint64_t> first,
                       std::optional<uint64_t> last, bool finished) {
  if (!first || !last) return {};
  if (finished && point.next > *last) return {true, std::nullopt};
  // Where the earlier run stopped, while the source still holds it (a live
  // stream's next segment counts: it is about to be written).
  if (point.next >= *first && point.next <= *last + 1) return {false, point.next};
  return {};
}

Result<std::optional<ResumePoint>> ResumeFile::Load() const {
  std::error_code ec;
  if (!std::filesystem::exists(m_path, ec)) return std::optional<ResumePoint>();
  auto text = ReadWholeFile(m_path);
  if (!text) return MakeError(ErrorCode::kUnavailable, "cannot read " + m_path.string());
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  auto stream = j.is_object() ? FindString(j, "stream") : std::nullopt;
  auto origin = PublicKey::FromHex(j.is_object() ? FindString(j, "origin").value_or("") : "");
  auto next = j.is_object() ? FindAmount(j, "next") : std::nullopt;
  if (!stream || !origin || !next) {
    return MakeError(ErrorCode::kInvalidField, m_path.string() + " does not parse");
  }
  return std::optional<ResumePoint>(ResumePoint{*stream, *origin, *next});
}

Status ResumeFile::Save(const ResumePoint& point) const {
  std::filesystem::path part = m_path;
  part += ".part";
  json j = {{"stream", point.stream}, {"origin", point.origin.ToHex()}, {"next", point.next}};
  if (Status written = WriteSynced(part, j.dump() + "\n"); !written) return written;
  std::error_code ec;
  std::filesystem::rename(part, m_path, ec);
  if (ec) return CannotWrite(m_path, ec.value());
  return Status::Ok();
}

}  // namespace tollstream
