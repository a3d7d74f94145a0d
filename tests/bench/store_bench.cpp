// The latency of one synced write of a small record through the store
// (KvStore: LevelDB with its log in preallocated zeros), next to the least
// a durable record costs on this disk: a bare pwrite of the same bytes into
// a file that already holds zeros, then fdatasync. A broadcaster's receipt
// record and a lone tracker change each wait for one such write.
// The two are measured in turn, in rounds, as the host's speed drifts.
// Then both again, each write after a few milliseconds of quiet: the pace
// of one viewer's receipts, and what bounds a receipt's part of a
// segment's round trip (a disk left idle answers a sync more slowly here).
//   store_bench [--quick]
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/store/kv_store.h"
#include "tests/bench/bench_util.h"
#include "tests/support/temp_dir.h"

using namespace tollstream;
using namespace tollstream::bench;

constexpr int kQuietMs = 5;

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  const int kRounds = quick ? 1 : 4;
  const int kWrites = quick ? 50 : 500;
  const int kQuietWrites = quick ? 10 : 100;
  const std::string record(1300, 'r');  // about a receipt record: contract, receipt, signatures
  test::TempDir dir;
  auto store = KvStore::Open(dir / "db");
  if (!store) return 1;
  int fd = ::open((dir / "bare").c_str(), O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (fd < 0) return 1;
  const size_t kSlots = 256;
  std::string zeros(kSlots * record.size(), '\0');
  if (::pwrite(fd, zeros.data(), zeros.size(), 0) != static_cast<ssize_t>(zeros.size())) return 1;
  if (::fsync(fd) != 0) return 1;

  std::vector<double> ours, bare, ours_quiet, bare_quiet;
  // Each after a pause: a viewer alone asks for the next 2 MB segment every
  // few milliseconds, and the disk sees one synced write each time.
  auto quiet = [] { std::this_thread::sleep_for(std::chrono::milliseconds(kQuietMs)); };
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kWrites; ++i) {
      KvBatch batch;
      batch.Put("c/" + std::to_string(i % 4), record);
      auto begin = Clock::now();
      if (!(*store)->Write(batch, /*sync=*/true)) return 1;
      ours.push_back(Seconds(Clock::now() - begin) * 1000);
    }
    for (int i = 0; i < kWrites; ++i) {
      auto begin = Clock::now();
      off_t at = static_cast<off_t>((static_cast<size_t>(i) % kSlots) * record.size());
      if (::pwrite(fd, record.data(), record.size(), at) != static_cast<ssize_t>(record.size()))
        return 1;
      if (::fdatasync(fd) != 0) return 1;
      bare.push_back(Seconds(Clock::now() - begin) * 1000);
    }
    for (int i = 0; i < kQuietWrites; ++i) {
      KvBatch batch;
      batch.Put("c/" + std::to_string(i % 4), record);
      quiet();
      auto begin = Clock::now();
      if (!(*store)->Write(batch, /*sync=*/true)) return 1;
      ours_quiet.push_back(Seconds(Clock::now() - begin) * 1000);
      quiet();
      begin = Clock::now();
      off_t at = static_cast<off_t>((static_cast<size_t>(i) % kSlots) * record.size());
      if (::pwrite(fd, record.data(), record.size(), at) != static_cast<ssize_t>(record.size()))
        return 1;
      if (::fdatasync(fd) != 0) return 1;
      bare_quiet.push_back(Seconds(Clock::now() - begin) * 1000);
    }
  }
  ::close(fd);
  double ours_p50 = Percentile(ours, 50), bare_p50 = Percentile(bare, 50);
  Report("store.synced_write", {{"record_bytes", record.size()},
                                {"p50_ms", ours_p50},
                                {"p99_ms", Percentile(ours, 99)},
                                {"ceiling_p50_ms", bare_p50},
                                {"ceiling_p99_ms", Percentile(bare, 99)},
                                {"ratio", bare_p50 / ours_p50},
                                {"quiet_ms", kQuietMs},
                                {"quiet_p50_ms", Percentile(ours_quiet, 50)},
                                {"quiet_ceiling_p50_ms", Percentile(bare_quiet, 50)}});
  return 0;
}
