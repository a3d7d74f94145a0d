#include "tracker/backup_cli.h"

#include <fcntl.h>
#include <httplib.h>
#include <unistd.h>

#include <cstdio>
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
#include "tracker/tracker_data.h"

namespace tollstream {

const char* const kBackupHelp =
    R"(usage: tracker backup --data-dir DIR --out FILE [--tracker URL]

Writes a backup of the ledger to FILE: every record at one moment, in a
file signed by the tracker key (its form: api-spec/README.md, "Backups").
With --tracker, the running tracker at URL (the one whose key is in DIR)
takes it from a snapshot while it serves, and sends it; without, the
ledger of a stopped tracker in DIR is read. FILE must not exist; it comes
as FILE.partial and is named FILE only once checked whole and synced.
Prints what it holds as JSON (records, bytes, sha256, taken_at).

The key is not in the backup: keep DIR/tracker.key safe apart, since a
restored ledger is served only with it.
)";

const char* const kRestoreHelp = R"(usage: tracker restore --from FILE --data-dir DIR

Checks the backup FILE (its form, digest and the tracker's signature) and
writes its ledger into DIR/ledger, which must not exist or be empty. When
DIR/tracker.key is there, the backup must be that tracker's; when it is
not, put the key there before `tracker run`. Then audits the restored
ledger and prints the report as JSON: exits 0 when the ledger holds, 1
when it does not, 2 on error (a damaged, cut or foreign backup leaves no
ledger behind).
)";

namespace {

int Fail(const std::string& message) {
  std::cerr << "tracker: " << message << "\n";
  return 2;
}

// The backup the running tracker at `url` sends, into `partial`.
Status Fetch(const std::string& url, const KeyPair& key, const std::string& partial) {
  TrackerClient client(url, key);
  client.Pin(key.public_key());
  if (auto hs = client.Handshake(); !hs) return hs.error();
  std::string body = client.MakeRequest("backup", json::object()).dump();
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return MakeError(ErrorCode::kUnavailable, "cannot create " + partial);
  httplib::Client http(url);
  http.set_read_timeout(120, 0);
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
    return MakeError(ErrorCode::kUpstream, "the tracker refused the backup: " + why);
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
  if (!args) return Fail(args.error().message);
  auto dir = args->Require("data-dir");
  auto out = args->Require("out");
  if (!dir) return Fail(dir.error().message);
  if (!out) return Fail(out.error().message);
  std::error_code ec;
  if (std::filesystem::exists(*out, ec)) return Fail(*out + " exists already");
  auto key = LoadKeyFile(TrackerKeyPath(*dir));
  if (!key) return Fail(key.error().message);
  std::string partial = *out + ".partial";
  std::filesystem::remove(partial, ec);
  auto url = args->Get("tracker");
  Status taken = url ? Fetch(*url, *key, partial) : ReadStopped(*dir, *key, partial);
  auto checked = taken ? ReadBackupFile(partial, key->public_key(), nullptr)
                       : Result<BackupSummary>(taken.error());
  if (!checked) {
    std::filesystem::remove(partial, ec);
    return Fail(checked.error().message);
  }
  std::filesystem::rename(partial, *out, ec);
  if (ec) return Fail("cannot name " + *out + ": " + ec.message());
  std::cout << checked->ToJson().dump(2) << std::endl;
  return 0;
}

int RestoreCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"from", "data-dir"}, {});
  if (!args) return Fail(args.error().message);
  auto from = args->Require("from");
  auto dir = args->Require("data-dir");
  if (!from) return Fail(from.error().message);
  if (!dir) return Fail(dir.error().message);
  namespace fs = std::filesystem;
  std::error_code ec;
  std::string ledger = TrackerLedgerPath(*dir);
  if (fs::exists(ledger, ec) && !(fs::is_directory(ledger, ec) && fs::is_empty(ledger, ec)))
    return Fail(ledger + " exists already: restore into a new data directory");
  PublicKey expected;
  if (fs::exists(TrackerKeyPath(*dir), ec)) {
    auto key = LoadKeyFile(TrackerKeyPath(*dir));
    if (!key) return Fail(key.error().message);
    expected = key->public_key();
  }
  // Checked before anything is written, then written.
  auto checked = ReadBackupFile(*from, expected, nullptr);
  if (!checked) return Fail(checked.error().message);
  fs::create_directories(*dir, ec);
  auto store = KvStore::Open(ledger);
  if (!store) return Fail(store.error().message);
  auto restored = ReadBackupFile(*from, checked->tracker, store->get());
  if (!restored) {
    store->reset();
    fs::remove_all(ledger, ec);
    return Fail(restored.error().message);
  }
  auto report = AuditLedger(**store);
  if (!report) return Fail(report.error().message);
  json out = report->ToJson();
  out["restored"] = restored->ToJson();
  std::cout << out.dump(2) << std::endl;
  if (expected.empty()) {
    std::cerr << "tracker: " << TrackerKeyPath(*dir) << " is missing: put the key of tracker "
              << restored->tracker.ToHex() << " there before `tracker run`\n";
  }
  return report->ok ? 0 : 1;
}

}  // namespace tollstream
