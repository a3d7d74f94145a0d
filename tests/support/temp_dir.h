// A fresh directory under $TMPDIR, removed with everything in it on
// destruction, unless TOLLSTREAM_KEEP_TEST_DIRS is set in the environment:
// then it stays, with the logs of the processes a test ran in it.
#pragma once

#include <filesystem>
#include <string>

namespace tollstream::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return m_path; }
  std::string operator/(const std::string& name) const { return m_path + "/" + name; }

 private:
  std::string m_path;
};

}  // namespace tollstream::test
