// A throw-away PostgreSQL cluster for one test: initdb into a fresh
// directory, the server listening on a free loopback port only (no Unix
// socket), stopped and removed with the object. The server is the test's
// own child, and gets SIGQUIT if the test dies, so none outlives it.
// PostgreSQL refuses to run as root: as root (CI), the cluster belongs to
// and runs as the `postgres` system user that Debian's package makes, in a
// directory under /tmp (which that user can reach). Debian's server
// binaries (/usr/lib/postgresql/VERSION/bin) are used; scripts/setup
// postgres installs them.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/process.h"

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
  // (unaligned, tuples only). Throws when psql fails, with its words.
  std::string Psql(const std::string& sql) const;

 private:
  // Runs `argv` as the cluster's owner (stderr kept in tools.log).
  struct Ran {
    int status = -1;
    std::string out, err;  // its stdout, and what it wrote to stderr
  };
  Ran Run(std::vector<std::string> argv) const;
  std::vector<std::string> AsOwner(std::vector<std::string> argv) const;
  // Start() on m_port: false when another process took the port.
  bool TryStart();

  std::string m_dir;
  std::string m_bin;  // the server's binaries
  int m_port = 0;
  std::unique_ptr<Process> m_server;
};

// Whether the tests that can run on either ledger run on PostgreSQL now
// (TOLLSTREAM_TEST_LEDGER=postgresql: ctest runs them both ways).
bool LedgerOnPostgres();

// A new, empty schema in a cluster that the test process shares (started
// at first use, stopped at exit); returns a URL whose connections use it.
std::string SharedPgSchemaUrl();

}  // namespace tollstream::test
