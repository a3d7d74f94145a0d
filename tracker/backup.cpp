#include "tracker/backup.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/base/hex.h"
#include "common/crypto/sha.h"

namespace tollstream {
namespace {

constexpr std::string_view kMagic = "tollstream ledger backup 1\n";
constexpr std::string_view kSignatureTag = "tollstream/ledger-backup";
constexpr size_t kMaxHeaderLine = 4096;
constexpr size_t kMaxKeyBytes = 1 << 16;
constexpr size_t kMaxValueBytes = 64 << 20;
constexpr size_t kRestoreBatchBytes = 4 << 20;

Hash256 SignedDigest(const Hash256& digest) {
  return TaggedHash(kSignatureTag,
                    std::string_view(reinterpret_cast<const char*>(digest.data()), digest.size()));
}

std::array<char, 9> RecordHead(size_t key, size_t value) {
  std::array<char, 9> head{'R'};
  for (int i = 0; i < 4; ++i) {
    head[1 + i] = static_cast<char>((key >> (24 - 8 * i)) & 0xff);
    head[5 + i] = static_cast<char>((value >> (24 - 8 * i)) & 0xff);
  }
  return head;
}

uint32_t ReadBigEndian(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

Error Damaged(const std::string& path, const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, path + " is not an intact ledger backup: " + why);
}

// The reading side: the file's bytes, hashed as they are read.
class BackupReader {
 public:
  explicit BackupReader(const std::string& path) : m_path(path), m_in(path, std::ios::binary) {}
  bool is_open() const { return m_in.is_open(); }
  uint64_t consumed() const { return m_consumed; }

  bool Read(char* data, size_t n, bool hashed = true) {
    if (!m_in.read(data, static_cast<std::streamsize>(n))) return false;
    if (hashed) m_hasher.Update(std::string_view(data, n));
    m_consumed += n;
    return true;
  }
  // A line ended by '\n' (not kept), of at most kMaxHeaderLine bytes;
  // `hashed` says whether it counts in the digest.
  bool Line(std::string* line, bool hashed) {
    line->clear();
    for (char c; m_in.get(c);) {
      if (c == '\n') {
        if (hashed) m_hasher.Update(*line + "\n");
        m_consumed += line->size() + 1;
        return true;
      }
      if (line->size() == kMaxHeaderLine) return false;
      line->push_back(c);
    }
    return false;  // no newline before the end
  }
  void Hash(std::string_view bytes) { m_hasher.Update(bytes); }
  bool AtEnd() { return m_in.peek() == std::char_traits<char>::eof(); }
  Hash256 Finish() { return m_hasher.Finish(); }

 private:
  std::string m_path;
  std::ifstream m_in;
  Sha256Hasher m_hasher;
  uint64_t m_consumed = 0;
};

// The header lines; the tracker's key and the time the backup was taken.
Result<BackupSummary> ReadHeader(BackupReader& in, const std::string& path) {
  std::string line;
  if (!in.Line(&line, true) || line + "\n" != kMagic) return Damaged(path, "no backup header");
  if (!in.Line(&line, true)) return Damaged(path, "no header line");
  BackupSummary summary;
  try {
    json header = json::parse(line);
    auto key = PublicKey::FromHex(header.at("tracker").get<std::string>());
    if (!key) return Damaged(path, "the header names no valid key");
    summary.tracker = *key;
    summary.taken_at = header.at("taken_at").get<int64_t>();
  } catch (const std::exception&) {
    return Damaged(path, "the header line is not what a backup starts with");
  }
  return summary;
}

// The trailer after 'E', checked against the digest of all that came before.
Status CheckTrailer(BackupReader& in, const std::string& path, const Hash256& digest,
                    BackupSummary& summary) {
  std::string line;
  if (!in.Line(&line, false) || !in.AtEnd()) return Damaged(path, "its end is not a trailer");
  try {
    json trailer = json::parse(line);
    if (trailer.at("records").get<uint64_t>() != summary.records)
      return Damaged(path, "its record count does not match");
    if (trailer.at("sha256").get<std::string>() != ToHex(digest))
      return Damaged(path, "its records do not match their digest (changed or cut)");
    auto signature = FromHexFixed<64>(trailer.at("signature").get<std::string>());
    if (!signature || !summary.tracker.Verify(SignedDigest(digest), *signature))
      return Damaged(path, "its signature is not the tracker's");
  } catch (const std::exception&) {
    return Damaged(path, "its trailer is not valid JSON");
  }
  summary.sha256 = ToHex(digest);
  summary.bytes = in.consumed();
  return Status::Ok();
}

}  // namespace

json BackupSummary::ToJson() const {
  return {{"tracker", tracker.ToHex()},
          {"taken_at", taken_at},
          {"records", records},
          {"bytes", bytes},
          {"sha256", sha256}};
}

Result<BackupSummary> WriteBackup(const KvStore& store, const KeyPair& key, int64_t now,
                                  const std::function<bool(std::string_view)>& out) {
  BackupSummary summary;
  summary.tracker = key.public_key();
  summary.taken_at = now;
  Sha256Hasher hasher;
  auto put = [&](std::string_view bytes) {
    hasher.Update(bytes);
    summary.bytes += bytes.size();
    return out(bytes);
  };
  auto failed = [] {
    return MakeError(ErrorCode::kUnavailable, "the backup could not be written");
  };
  json header = {{"tracker", summary.tracker.ToHex()}, {"taken_at", now}};
  if (!put(kMagic) || !put(header.dump() + "\n")) return failed();
  auto snapshot = store.Snapshot();
  auto it = store.NewIterator(*snapshot);
  for (it->Seek(""); it->Valid(); it->Next()) {
    auto head = RecordHead(it->key().size(), it->value().size());
    if (!put({head.data(), head.size()}) || !put(it->key()) || !put(it->value())) return failed();
    ++summary.records;
  }
  if (Status s = it->status(); !s) return s.error();
  Hash256 digest = hasher.Finish();
  json trailer = {{"records", summary.records},
                  {"sha256", ToHex(digest)},
                  {"signature", ToHex(key.Sign(SignedDigest(digest)))}};
  std::string end = "E" + trailer.dump() + "\n";
  if (!out(end)) return failed();
  summary.bytes += end.size();
  summary.sha256 = ToHex(digest);
  return summary;
}

Result<BackupSummary> WriteBackupFile(const KvStore& store, const KeyPair& key, int64_t now,
                                      const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return MakeError(ErrorCode::kUnavailable, "cannot create " + path + ": " + strerror(errno));
  auto written = WriteBackup(store, key, now, [fd](std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::write(fd, bytes.data(), bytes.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  });
  bool synced = ::fsync(fd) == 0;
  std::string why = strerror(errno);
  ::close(fd);
  if (written && !synced) written = MakeError(ErrorCode::kUnavailable, "fsync: " + why);
  if (!written) ::unlink(path.c_str());
  return written;
}

Result<BackupSummary> ReadBackupFile(const std::string& path, const PublicKey& expected,
                                     KvStore* into) {
  BackupReader in(path);
  if (!in.is_open()) return MakeError(ErrorCode::kUnavailable, "cannot read " + path);
  auto summary = ReadHeader(in, path);
  if (!summary) return summary.error();
  if (!expected.empty() && !(summary->tracker == expected)) {
    return MakeError(ErrorCode::kForbidden,
                     path + " is the backup of another tracker (" + summary->tracker.ToHex() + ")");
  }
  KvBatch batch;
  std::string key, value;
  for (;;) {
    char head[9];
    // The tag byte counts in the digest only for a record: 'E' ends what it covers.
    if (!in.Read(head, 1, false)) return Damaged(path, "it ends before its trailer (cut short?)");
    if (head[0] == 'E') break;
    if (head[0] != 'R') return Damaged(path, "a record is malformed");
    in.Hash(std::string_view(head, 1));
    if (!in.Read(head + 1, 8)) return Damaged(path, "a record is malformed");
    uint32_t key_size = ReadBigEndian(head + 1), value_size = ReadBigEndian(head + 5);
    if (key_size > kMaxKeyBytes || value_size > kMaxValueBytes)
      return Damaged(path, "a record is larger than any ledger record");
    key.resize(key_size);
    value.resize(value_size);
    if (!in.Read(key.data(), key_size) || !in.Read(value.data(), value_size))
      return Damaged(path, "it ends inside a record (cut short?)");
    ++summary->records;
    if (!into) continue;
    batch.Put(key, value);
    if (batch.ApproximateSize() >= kRestoreBatchBytes) {
      if (Status s = into->Write(batch, false); !s) return s.error();
      batch.Clear();
    }
  }
  Hash256 digest = in.Finish();
  if (Status s = CheckTrailer(in, path, digest, *summary); !s) return s.error();
  if (into) {
    if (Status s = into->Write(batch, true); !s) return s.error();
  }
  return summary;
}

}  // namespace tollstream
