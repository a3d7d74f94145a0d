#include <fcntl.h>
#include <unistd.h>

#include <mutex>

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
  auto one_at_a_time = std::make_shared<std::mutex>();
  service.AddHandler("backup", [&service, data_dir, one_at_a_time](Call& call) -> Answer {
    ObjectReader r(call.request().params, "params");
    if (Status s = r.Finish(); !s) return call.Refuse(s.error());
    if (call.request().signer != service.public_key()) {
      return call.Refuse(
          MakeError(ErrorCode::kForbidden, "only the tracker's own key may take a backup"));
    }
    std::unique_lock lock(*one_at_a_time, std::try_to_lock);
    if (!lock) return call.Refuse(MakeError(ErrorCode::kBusy, "a backup is being taken"));
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
    answer.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"ledger-" + std::to_string(call.now()) + ".backup\"");
    return answer;
  });
}

}  // namespace tollstream
