// A throw-away PostgreSQL cluster for one test: initdb into a fresh
// directory, the server listening on a free loopback port (and on a Unix
// socket in that directory only), stopped and removed with the object.
// PostgreSQL refuses to run as root: as root (CI), the cluster belongs to
// and runs as the `postgres` system user that Debian's package makes.
// Debian's server binaries (/usr/lib/postgresql/VERSION/bin) are used;
// scripts/setup postgres installs them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace tollstream::test {

class PgCluster {
 public:
  // Makes and starts the cluster, with a database `tollstream` owned by
  // the superuser `tollstream` (trust authentication, loopback only).
  // Throws std::runtime_error saying what failed, with the server's log.
  PgCluster();
  ~PgCluster();  // stops the server (immediately) and removes the files
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // postgresql://tollstream@127.0.0.1:PORT/tollstream
  std::string url() const;
  int port() const { return m_port; }

  // Stops the server: "fast" (clean) or "immediate" (as a crash: recovery
  // at the next start). Start() brings it back on the same port.
  void Stop(const std::string& mode = "fast");
  void Start();

  // Runs `sql` through psql as the superuser; returns its output
  // (unaligned, tuples only). Throws when psql fails.
  std::string Psql(const std::string& sql) const;

 private:
  // Runs `argv` as the cluster's owner; returns {exit status, output}.
  std::pair<int, std::string> AsOwner(std::vector<std::string> argv) const;

  TempDir m_dir;
  std::string m_bin;  // the server's binaries
  int m_port = 0;
  bool m_running = false;
};

// Whether Debian's PostgreSQL server is installed here.
bool PgInstalled();

}  // namespace tollstream::test
