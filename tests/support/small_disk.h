// Small disks of a test's own, mounted at a directory for the test's life
// and unmounted when it ends, also when the test fails. Fill() leaves no
// byte free, Free() gives the space back. Mounting needs root
// (CAP_SYS_ADMIN): Unavailable() says why it cannot be had, and
// SkipUnlessAvailable ends the test program with ctest's skip code.
//
// SmallDisk is a tmpfs: a write that does not fit fails at once (ENOSPC).
// ThinDisk is an ext4 file system on a loop device over a sparse image on a
// SmallDisk, like a thinly provisioned volume: the file system thinks it
// has room, writes land in the page cache, and only writing them back to
// the full SmallDisk fails, so fsync(2) reports what write(2) did not.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace tollstream::test {

class SmallDisk {
 public:
  // The exit status that tells ctest a test was skipped (SKIP_RETURN_CODE).
  static constexpr int kSkipCode = 77;

  // Mounts `bytes` of tmpfs at `dir` (created if missing). Throws when it
  // cannot.
  SmallDisk(std::string dir, size_t bytes);
  ~SmallDisk();  // unmounts (detached if still in use)
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;

  const std::string& path() const { return m_dir; }
  // Writes a file until the disk has no room left; returns its size.
  size_t Fill();
  // Removes what Fill wrote.
  void Free();
  size_t available() const;

  // Why no disk can be mounted here (not root, mount refused), or nullopt.
  static std::optional<std::string> Unavailable();
  // Prints the reason and exits with kSkipCode when Unavailable().
  static void SkipUnlessAvailable();

 private:
  std::string m_dir;
  std::string m_filler;
};

class ThinDisk {
 public:
  // Mounts at `dir` an ext4 file system of 64 MiB backed by `backing_bytes`
  // of tmpfs (in `dir` + ".backing"). Throws when it cannot.
  ThinDisk(const std::string& dir, size_t backing_bytes);
  ~ThinDisk();  // unmounts, detaches the loop device
  ThinDisk(const ThinDisk&) = delete;
  ThinDisk& operator=(const ThinDisk&) = delete;

  const std::string& path() const { return m_dir; }
  // Fills and frees the backing tmpfs.
  size_t Fill() { return m_backing.Fill(); }
  void Free() { m_backing.Free(); }

  // Why no thin disk can be had (besides SmallDisk's reasons: no losetup
  // or mkfs.ext4, no loop device), or nullopt.
  static std::optional<std::string> Unavailable();

 private:
  std::string m_dir;
  SmallDisk m_backing;
  std::string m_loop;  // /dev/loopN
};

}  // namespace tollstream::test
