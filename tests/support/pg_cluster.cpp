#include "tests/support/pg_cluster.h"

#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "common/base/files.h"
#include "tests/support/free_port.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// The newest of Debian's server versions installed; "" for none.
std::string ServerBin() {
  std::error_code ec;
  std::string best;
  int best_version = 0;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    int version = std::atoi(entry.path().filename().c_str());
    std::string bin = entry.path() / "bin";
    if (version > best_version && ::access((bin + "/postgres").c_str(), X_OK) == 0) {
      best = bin;
      best_version = version;
    }
  }
  return best;
}

bool Root() {
  return ::geteuid() == 0;
}

}  // namespace

std::vector<std::string> PgCluster::AsOwner(std::vector<std::string> argv) const {
  std::vector<std::string> prefix = {"/usr/bin/setpriv", "--pdeathsig", "SIGQUIT"};
  if (Root())
    prefix.insert(prefix.end(), {"--reuid=postgres", "--regid=postgres", "--init-groups"});
  prefix.push_back("--");
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  return argv;
}

PgCluster::Ran PgCluster::Run(std::vector<std::string> argv) const {
  std::string log = m_dir + "/tools.log";
  std::error_code ec;
  auto before = fs::file_size(log, ec);
  if (ec) before = 0;
  Process p(AsOwner(std::move(argv)), log);
  Ran ran;
  ran.out = p.ReadAll(60s);
  ran.status = p.Wait(60s);
  std::string logged = ReadWholeFile(log).value_or("");
  ran.err = logged.substr(std::min<size_t>(before, logged.size()));
  return ran;
}

PgCluster::PgCluster() : m_bin(ServerBin()) {
  if (m_bin.empty())
    throw std::runtime_error("PostgreSQL is not installed (scripts/setup postgres)");
  const char* tmp = std::getenv("TMPDIR");
  std::string base = Root() || tmp == nullptr ? "/tmp" : tmp;
  std::string pattern = base + "/tollstream-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  m_dir = pattern;
  try {
    const passwd* owner = Root() ? ::getpwnam("postgres") : nullptr;
    if (Root() && (owner == nullptr || ::chown(m_dir.c_str(), owner->pw_uid, owner->pw_gid) != 0))
      throw std::runtime_error("cannot give " + m_dir + " to the postgres user");
    Ran init = Run({m_bin + "/initdb", "--pgdata", m_dir + "/data", "--username", "tollstream",
                    "--auth", "trust", "--encoding", "UTF8", "--no-locale", "--no-sync"});
    if (init.status != 0) throw std::runtime_error("initdb failed: " + init.err);
    // The port another process may take first: tried again on another.
    bool started = false;
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
      m_port = FreeLoopbackPort();
      started = TryStart();
    }
    if (!started) throw std::runtime_error("no free port for PostgreSQL");
    auto made = Run({m_bin + "/createdb", "--host", "127.0.0.1", "--port", std::to_string(m_port),
                     "--username", "tollstream", "tollstream"});
    if (made.status != 0) throw std::runtime_error("createdb failed: " + made.err);
  } catch (...) {
    m_server.reset();  // killed, if it runs
    if (std::getenv("TOLLSTREAM_KEEP_TEST_DIRS") == nullptr) {
      std::error_code ec;
      fs::remove_all(m_dir, ec);
    }
    throw;
  }
}

PgCluster::~PgCluster() {
  if (m_server) {
    m_server->Signal(SIGQUIT);  // immediate: nothing to keep
    m_server->Wait(30s);
    m_server.reset();
  }
  if (std::getenv("TOLLSTREAM_KEEP_TEST_DIRS") != nullptr) return;
  std::error_code ec;
  fs::remove_all(m_dir, ec);
}

std::string PgCluster::url() const {
  return "postgresql://tollstream@127.0.0.1:" + std::to_string(m_port) + "/tollstream";
}

bool PgCluster::TryStart() {
  // Later lines win: each start writes its own.
  std::ofstream(m_dir + "/data/postgresql.auto.conf", std::ios::app)
      << "port = " << m_port << "\nlisten_addresses = '127.0.0.1'\n"
      << "unix_socket_directories = ''\nfsync = on\n";
  std::string log = m_dir + "/server.log";
  m_server = std::make_unique<Process>(AsOwner({m_bin + "/postgres", "-D", m_dir + "/data"}), log);
  for (int i = 0; i < 300; ++i) {
    if (!m_server->running()) {
      std::string said = ReadWholeFile(log).value_or("");
      m_server.reset();
      if (said.find("Address already in use") != std::string::npos) return false;
      throw std::runtime_error("PostgreSQL did not start: " + said);
    }
    auto ready = Run({m_bin + "/pg_isready", "--quiet", "--host", "127.0.0.1", "--port",
                      std::to_string(m_port)});
    if (ready.status == 0) return true;
    std::this_thread::sleep_for(100ms);
  }
  throw std::runtime_error("PostgreSQL did not become ready; see " + log);
}

void PgCluster::Start() {
  if (m_server) return;
  if (!TryStart()) throw std::runtime_error("port " + std::to_string(m_port) + " was taken");
}

void PgCluster::Stop(const std::string& mode) {
  if (!m_server) return;
  m_server->Signal(mode == "immediate" ? SIGQUIT : mode == "smart" ? SIGTERM : SIGINT);
  int status = m_server->Wait(60s);
  m_server.reset();
  if (status < 0) throw std::runtime_error("PostgreSQL did not stop (" + mode + ")");
}

std::string PgCluster::Psql(const std::string& sql) const {
  Ran ran = Run({m_bin + "/psql", "--no-psqlrc", "--tuples-only", "--no-align", "--quiet", "--set",
                 "ON_ERROR_STOP=1", "--dbname", url(), "--command", sql});
  if (ran.status != 0) throw std::runtime_error("psql failed on: " + sql + ": " + ran.err);
  return ran.out;
}

bool LedgerOnPostgres() {
  const char* backend = std::getenv("TOLLSTREAM_TEST_LEDGER");
  return backend != nullptr && std::string(backend) == "postgresql";
}

std::string SharedPgSchemaUrl() {
  static PgCluster cluster;
  static std::atomic<int> made{0};
  std::string schema = "ledger_" + std::to_string(made++);
  cluster.Psql("CREATE SCHEMA " + schema);
  return cluster.url() + "?options=-csearch_path%3D" + schema;
}

}  // namespace tollstream::test
