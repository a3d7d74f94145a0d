#include "tests/support/pg_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "common/base/files.h"
#include "tests/support/free_port.h"
#include "tests/support/process.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

// The newest of Debian's server versions installed; "" for none.
std::string ServerBin() {
  std::error_code ec;
  std::string best;
  int best_version = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    std::string name = entry.path().filename().string();
    int version = std::atoi(name.c_str());
    std::string bin = entry.path() / "bin";
    if (version > best_version && ::access((bin + "/postgres").c_str(), X_OK) == 0) {
      best = bin;
      best_version = version;
    }
  }
  return best;
}

}  // namespace

bool PgInstalled() { return !ServerBin().empty(); }

std::pair<int, std::string> PgCluster::AsOwner(std::vector<std::string> argv) const {
  if (::geteuid() == 0) argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
  return RunCommand(std::move(argv), 60s);
}

PgCluster::PgCluster() : m_bin(ServerBin()) {
  if (m_bin.empty()) throw std::runtime_error("PostgreSQL is not installed (scripts/setup postgres)");
  if (::geteuid() == 0) {
    std::filesystem::permissions(m_dir.path(), std::filesystem::perms::owner_all);
    if (RunCommand({"/usr/bin/chown", "postgres:postgres", m_dir.path()}, 10s).first != 0)
      throw std::runtime_error("cannot give " + m_dir.path() + " to the postgres user");
  }
  auto [status, out] = AsOwner({m_bin + "/initdb", "--pgdata", m_dir / "data", "--username",
                                "tollstream", "--auth", "trust", "--encoding", "UTF8",
                                "--no-locale", "--no-sync"});
  if (status != 0) throw std::runtime_error("initdb failed: " + out);
  m_port = FreeLoopbackPort();
  Start();
  if (AsOwner({m_bin + "/createdb", "--host", m_dir.path(), "--port", std::to_string(m_port),
               "--username", "tollstream", "tollstream"})
          .first != 0) {
    throw std::runtime_error("createdb failed; see " + m_dir / "server.log");
  }
}

PgCluster::~PgCluster() {
  if (m_running) {
    try {
      Stop("immediate");
    } catch (const std::exception&) {
      // Removing its directory below takes it down at the latest.
    }
  }
}

std::string PgCluster::url() const {
  return "postgresql://tollstream@127.0.0.1:" + std::to_string(m_port) + "/tollstream";
}

void PgCluster::Start() {
  std::string options = "-p " + std::to_string(m_port) + " -k " + m_dir.path() +
                        " -c listen_addresses=127.0.0.1 -c fsync=on";
  auto [status, out] = AsOwner({m_bin + "/pg_ctl", "--pgdata", m_dir / "data", "--log",
                                m_dir / "server.log", "--options", options, "--wait", "start"});
  if (status != 0) {
    throw std::runtime_error("PostgreSQL did not start: " +
                             ReadWholeFile(m_dir / "server.log").value_or(out));
  }
  m_running = true;
}

void PgCluster::Stop(const std::string& mode) {
  auto [status, out] = AsOwner(
      {m_bin + "/pg_ctl", "--pgdata", m_dir / "data", "--mode", mode, "--wait", "stop"});
  if (status != 0) throw std::runtime_error("pg_ctl stop failed: " + out);
  m_running = false;
}

std::string PgCluster::Psql(const std::string& sql) const {
  auto [status, out] =
      RunCommand({m_bin + "/psql", "--no-psqlrc", "--tuples-only", "--no-align", "--quiet",
                  "--set", "ON_ERROR_STOP=1", "--dbname", url(), "--command", sql},
                 60s);
  if (status != 0) throw std::runtime_error("psql failed on: " + sql);
  return out;
}

}  // namespace tollstream::test
