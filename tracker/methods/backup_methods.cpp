#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "common/base/files.h"
#include "common/crypto/random.h"
#include "common/wire/fields.h"
#include "tracker/backup.h"
#include "tracker/methods/methods.h"

namespace tollstream {

void RegisterBackupMethod(TrackerService& service, const std::string& data_dir) {
  // backup: the whole ledger at one moment, as a backup file
  // (tracker/backup.h) sent as the answer's payload; only the tracker's own
  // key may ask. The file is written in the data directory first (it needs
  // room for one copy of the ledger there) and unlinked as it is sent: the
  // snapshot is released as soon as it is written, however slow the
  // client. One backup at a time.
  // Files of a backup cut short by a crash, if any.
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_dir, ec)) {
    if (entry.path().filename().string().starts_with(".backup-"))
      std::filesystem::remove(entry.path(), ec);
  }
  // Taken from the request until the last byte is sent.
  auto busy = std::make_shared<std::atomic<bool>>(false);
  service.AddHandler("backup", [&service, data_dir, busy](Call& call) -> Answer {
    ObjectReader r(call.request().params, "params");
    if (Status s = r.Finish(); !s) return call.Refuse(s.error());
    if (call.request().signer != service.public_key()) {
      return call.Refuse(
          MakeError(ErrorCode::kForbidden, "only the tracker's own key may take a backup"));
    }
    if (service.leveldb() == nullptr) {
      return call.Refuse(MakeError(ErrorCode::kConflict,
                                   "the ledger is kept in PostgreSQL: back it up with the "
                                   "database's own tools (pg_dump)"));
    }
    if (busy->exchange(true))
      return call.Refuse(MakeError(ErrorCode::kBusy, "a backup is being taken"));
    // Frees the backup's turn when the last holder lets go: here on a
    // refusal, or once the answer is sent.
    auto turn = std::shared_ptr<void>(nullptr, [busy](void*) { *busy = false; });
    std::string path = data_dir + "/.backup-" + RandomHex(8);
    auto written = WriteBackupFile(service.store(), service.key(), call.now(), path);
    if (!written) return call.Refuse(written.error());
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    ::unlink(path.c_str());  // before its stamp is taken: unlinking changes it
    auto file = fd < 0 ? nullptr : OpenFile::Adopt(fd);
    if (!file) return call.Refuse(MakeError(ErrorCode::kUnavailable, "cannot open " + path));
    Answer answer;
    answer.content_type = "application/octet-stream";
    answer.file = std::move(file);
    answer.complete_when = [turn] { return true; };
    answer.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"ledger-" + std::to_string(call.now()) + ".backup\"");
    return answer;
  });
}

}  // namespace tollstream
