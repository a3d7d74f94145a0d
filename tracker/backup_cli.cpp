#include "tracker/backup_cli.h"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>

#include "common/base/clock.h"
#include "common/cli/args.h"
#include "common/cli/key_file.h"
#include "common/client/tracker_client.h"
#include "common/wire/json.h"
#include "tracker/audit.h"
#include "tracker/backup.h"
#include "tracker/cli_fail.h"
#include "tracker/tracker_data.h"

namespace tollstream {

const char* const kBackupHelp =
    R"(usage: tracker backup --data-dir DIR --out FILE [--tracker URL]

Writes a backup of the ledger to FILE: every record at one moment, in a
file signed by the tracker key (its form: api-spec/openapi.yaml, /v1/backup).
With --tracker, the running tracker at URL (the one whose key is in DIR;
several URLs of it separated by commas: the first that answers)
takes it from a snapshot while it serves, and sends it; without, the
ledger of a stopped tracker in DIR is read. FILE must not exist; it comes
as FILE.partial and is named FILE only once checked whole and synced.
Prints what it holds as JSON (records, bytes, sha256, taken_at).

The key is not in the backup: keep DIR/tracker.key safe apart, since a
restored ledger is served only with it.
)";

const char* const kRestoreHelp = R"(usage: tracker restore --from FILE --data-dir DIR

Makes DIR/ledger from the backup FILE. DIR/tracker.key must be there first
(the key you keep apart from the backups): only a backup that key signed is
believed. Checks FILE (its form, digest and signature), writes its records
into DIR/ledger.restoring, audits them, and only when the ledger holds
names it DIR/ledger, which must not exist. Prints the audit report as
JSON: exits 0 when the ledger holds, 1 when it does not, 2 on error; on 1
and 2 nothing is left in DIR but the key.
)";

namespace {

// The backup a running tracker at `urls` sends, into `partial`. Several
// URLs of the tracker (separated by commas) are tried for the handshake;
// the backup is downloaded from the one that answered it.
Status Fetch(const std::string& urls, const KeyPair& key, const std::string& partial) {
  TrackerClient client(urls, key);
  client.Pin(key.public_key());
  if (auto hs = client.Handshake(); !hs) return hs.error();
  const std::string& url = client.current_url();
  std::string body = client.MakeRequest("backup", json::object()).dump();
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot create " + partial);
  httplib::Client http(url);  // trimmed of its trailing slash
  // The tracker writes the whole file before its first byte (as long as
  // nginx's site waits for it).
  http.set_read_timeout(600, 0);
  int status = 0;
  bool wrote = true;
  std::string refusal;
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/backup";
  req.body = body;
  req.set_header("Content-Type", "application/json");
  req.response_handler = [&status](const httplib::Response& res) {
    status = res.status;
    return true;
  };
  req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
    if (status != 200) return refusal.append(data, n), refusal.size() < (1 << 20);
    wrote = wrote && ::write(fd, data, n) == static_cast<ssize_t>(n);
    return wrote;
  };
  auto result = http.send(req);
  bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!result)
    return MakeError(ErrorCode::kUpstream,
                     "no backup from " + url + ": " + httplib::to_string(result.error()));
  if (status != 200) {
    std::string why = refusal;
    try {
      why = json::parse(refusal).at("error").at("message").get<std::string>();
    } catch (const std::exception&) {
    }
    return MakeError(ErrorCode::kUpstream, "the tracker at " + url + " refused the backup: " + why);
  }
  if (!wrote || !synced) return MakeError(ErrorCode::kUnavailable, "cannot write " + partial);
  return Status::Ok();
}

// The ledger of the stopped tracker in `dir`, into `partial`.
Status ReadStopped(const std::string& dir, const KeyPair& key, const std::string& partial) {
  KvStore::Options options;
  options.create_if_missing = false;
  auto store = KvStore::Open(TrackerLedgerPath(dir), options);
  if (!store) {
    bool in_use = store.error().message.find("in use by another process") != std::string::npos;
    return MakeError(
        store.error().code,
        store.error().message + (in_use ? "; a running tracker holds it: add --tracker URL" : ""));
  }
  auto written = WriteBackupFile(**store, key, UnixNow(), partial);
  if (!written) return written.error();
  return Status::Ok();
}

}  // namespace

int BackupCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"data-dir", "out", "tracker"}, {});
  if (!args) return Fail(args.error());
  auto dir = args->Require("data-dir");
  auto out = args->Require("out");
  if (!dir) return Fail(dir.error());
  if (!out) return Fail(out.error());
  std::error_code ec;
  std::string partial = *out + ".partial";
  if (std::filesystem::exists(*out, ec)) return Fail(*out + " exists already");
  if (std::filesystem::exists(partial, ec)) {
    return Fail(partial + " exists: another backup is under way, or one was cut short (remove it)");
  }
  auto key = LoadKeyFile(TrackerKeyPath(*dir));
  if (!key) return Fail(key.error());
  auto url = args->Get("tracker");
  Status taken = url ? Fetch(*url, *key, partial) : ReadStopped(*dir, *key, partial);
  auto checked = taken ? ReadBackupFile(partial, key->public_key(), nullptr)
                       : Result<BackupSummary>(taken.error());
  // Named FILE only when whole and checked; link() never replaces a FILE
  // made meanwhile.
  if (checked && ::link(partial.c_str(), out->c_str()) != 0) {
    checked = MakeError(ErrorCode::kUnavailable, "cannot name " + *out + ": " + strerror(errno));
  }
  std::filesystem::remove(partial, ec);
  if (!checked) return Fail(checked.error());
  std::cout << checked->ToJson().dump(2) << std::endl;
  return 0;
}

int RestoreCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"from", "data-dir"}, {});
  if (!args) return Fail(args.error());
  auto from = args->Require("from");
  auto dir = args->Require("data-dir");
  if (!from) return Fail(from.error());
  if (!dir) return Fail(dir.error());
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string ledger = TrackerLedgerPath(*dir), restoring = ledger + ".restoring";
  if (fs::exists(ledger, ec)) return Fail(ledger + " exists already: restore into a new directory");
  // The key says whose backups are believed: a file signed by another key
  // is refused, whatever key its header names.
  auto key = LoadKeyFile(TrackerKeyPath(*dir));
  if (!key) {
    return Fail(key.error().message + " (put the tracker's key, from where you keep it, in " +
                TrackerKeyPath(*dir) + " first)");
  }
  // Checked before anything is written, then written aside, audited, and
  // only then named DIR/ledger; on any failure nothing is left.
  auto checked = ReadBackupFile(*from, key->public_key(), nullptr);
  if (!checked) return Fail(checked.error());
  fs::remove_all(restoring, ec);
  auto report = [&]() -> Result<json> {
    auto store = KvStore::Open(restoring);
    if (!store) return store.error();
    auto restored = ReadBackupFile(*from, key->public_key(), store->get());
    if (!restored) return restored.error();
    auto audited = AuditLedger(**store);
    if (!audited) return audited.error();
    json out = audited->ToJson();
    out["restored"] = restored->ToJson();
    return out;
  }();
  bool holds = report && (*report)["ok"] == true;
  if (holds) fs::rename(restoring, ledger, ec);
  if (!holds || ec) fs::remove_all(restoring, ec);
  if (!report) return Fail(report.error());
  std::cout << report->dump(2) << std::endl;
  if (!holds) {
    std::cerr << "tracker: the restored ledger does not hold; nothing was kept\n";
    return 1;
  }
  if (!fs::exists(ledger)) return Fail("cannot name " + ledger);
  return 0;
}

}  // namespace tollstream
