// A whole paid stream through HTTPS: nginx from Debian, run with the site
// configurations the packages ship (packaging/nginx/), in front of the
// tracker and of the broadcasting node, with a certificate this test makes.
// The nodes reach both by https:// URLs, trusting that certificate through
// OpenSSL's SSL_CERT_FILE; the tracker, trusting nginx as its proxy, logs
// each request's scheme as https.

#include <fstream>
#include <regex>
#include <sstream>

#include "tests/peer/peer_fixture.h"
#include "tests/support/free_port.h"

namespace tollstream::test {
namespace {

// The shipped site configuration, pointed at this test's ports and files.
std::string Site(const std::string& name,
                 const std::vector<std::pair<std::string, std::string>>& replace) {
  auto text = ReadWholeFile(std::string(TOLLSTREAM_SOURCE_DIR) + "/packaging/nginx/" + name);
  REQUIRE(text.has_value());
  std::string site = *text;
  for (const auto& [from, to] : replace) {
    std::regex pattern(from);
    REQUIRE_MESSAGE(std::regex_search(site, pattern), name << " lacks " << from);
    site = std::regex_replace(site, pattern, to);
  }
  return site;
}

// nginx in the foreground, in one process (killed with the test), with its
// files in `dir`.
std::unique_ptr<Process> StartNginx(const std::string& dir, const std::string& sites) {
  std::filesystem::create_directories(dir + "/tmp");
  std::ofstream(dir + "/nginx.conf")
      << "daemon off;\nmaster_process off;\npid " << dir << "/nginx.pid;\nerror_log " << dir
      << "/error.log warn;\nevents { worker_connections 256; }\nhttp {\n  access_log " << dir
      << "/access.log;\n  client_body_temp_path " << dir << "/tmp/body;\n  proxy_temp_path " << dir
      << "/tmp/proxy;\n  fastcgi_temp_path " << dir << "/tmp/fastcgi;\n  uwsgi_temp_path " << dir
      << "/tmp/uwsgi;\n  scgi_temp_path " << dir << "/tmp/scgi;\n"
      << sites << "}\n";
  auto [tested, why] = RunCommand({"/usr/sbin/nginx", "-t", "-p", dir, "-c", dir + "/nginx.conf"});
  REQUIRE_MESSAGE(tested == 0,
                  "nginx -t: " << why << ReadWholeFile(dir + "/error.log").value_or(""));
  return std::make_unique<Process>(
      std::vector<std::string>{"/usr/sbin/nginx", "-p", dir, "-c", dir + "/nginx.conf"},
      dir + "/stderr.log");
}

void WaitForTls(const std::string& url) {
  for (int i = 0; i < 200; ++i) {
    httplib::Client http(url);
    if (auto res = http.Get("/healthz"); res) return;
    std::this_thread::sleep_for(50ms);
  }
  FAIL("nothing answers at " << url);
}

}  // namespace

TEST_CASE("a whole paid stream through nginx with TLS, on https:// URLs only") {
  TempDir dir;
  std::string hls = dir / "hls";
  MakeTestVideo(hls, 8);
  SourceSegments source = ReadSource(hls);
  // A certificate for 127.0.0.1, trusted by every client here.
  std::string cert = dir / "cert.pem", key = dir / "key.pem";
  auto [made, openssl] =
      RunCommand({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                  "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert});
  REQUIRE_MESSAGE(made == 0, openssl);
  ::setenv("SSL_CERT_FILE", cert.c_str(), 1);

  ::setenv("TOLLSTREAM_LOG_FORMAT", "json", 1);
  ::setenv("TOLLSTREAM_LOG_LEVEL", "debug", 1);
  TrackerFixture t({"--trusted-proxy", "127.0.0.1"});
  ::unsetenv("TOLLSTREAM_LOG_FORMAT");
  ::unsetenv("TOLLSTREAM_LOG_LEVEL");
  int tracker_tls = FreeLoopbackPort(), redirect = FreeLoopbackPort(),
      node_tls = FreeLoopbackPort(), node = FreeLoopbackPort();
  std::vector<std::pair<std::string, std::string>> tls = {
      {"/etc/ssl/certs/[A-Za-z.]+\\.pem", cert},
      {"/etc/ssl/private/[A-Za-z.]+\\.key", key},
      {"\\s*listen \\[::\\]:[0-9]+[a-z0-9 ]*;", ""}};
  auto tracker_site = tls;
  tracker_site.insert(
      tracker_site.end(),
      {{"listen 443 ssl http2;", "listen 127.0.0.1:" + std::to_string(tracker_tls) + " ssl http2;"},
       {"listen 80;", "listen 127.0.0.1:" + std::to_string(redirect) + ";"},
       {"server 127.0.0.1:7700;", "server " + t.url().substr(7) + ";"}});
  auto node_site = tls;
  node_site.insert(
      node_site.end(),
      {{"listen 443 ssl http2;", "listen 127.0.0.1:" + std::to_string(node_tls) + " ssl http2;"},
       {"server 127.0.0.1:7800;", "server 127.0.0.1:" + std::to_string(node) + ";"}});
  auto nginx = StartNginx(dir / "nginx", Site("tollstream-tracker.conf", tracker_site) +
                                             Site("tollstream-broadcast.conf", node_site));
  std::string tracker_url = "https://127.0.0.1:" + std::to_string(tracker_tls);
  std::string node_url = "https://127.0.0.1:" + std::to_string(node_tls);
  WaitForTls(tracker_url);

  // Port 80 sends to https; the node's own page is not served outside.
  httplib::Client plain("http://127.0.0.1:" + std::to_string(redirect));
  auto moved = plain.Get("/dashboard");
  REQUIRE(moved);
  CHECK(moved->status == 301);
  CHECK(moved->get_header_value("Location").starts_with("https://"));

  KeyFile b = NewKeyFile(dir / "b.key");
  KeyFile c = NewKeyFile(dir / "c.key");
  const uint64_t price = 3, budget = 300;
  t.Mint(c.address(), budget);
  Process broadcaster(
      {BinaryPath("peer"), "broadcast", "--tracker", tracker_url, "--key", b.path, "--stream",
       "tls", "--price", std::to_string(price), "--hls-dir", hls, "--listen",
       "127.0.0.1:" + std::to_string(node), "--advertise-url", node_url},
      dir / "b.log");
  REQUIRE_MESSAGE(broadcaster.WaitForLine("broadcasting tls at " + node_url, 30s).has_value(),
                  broadcaster.output());
  httplib::Client outside(node_url);
  auto page = outside.Get("/");
  REQUIRE(page);
  CHECK(page->status == 404);

  Process viewer(
      {BinaryPath("peer"), "watch", "--tracker", tracker_url, "--key", c.path, "--stream", "tls",
       "--budget", std::to_string(budget), "--listen", "127.0.0.1:0", "--out", dir / "out.ts"},
      dir / "c.log");
  auto settled = viewer.WaitForLine("settled: ", 120s);
  REQUIRE_MESSAGE(settled.has_value(), viewer.output());
  std::string all;
  for (const auto& s : source.bytes) all += s;
  CHECK(ReadWholeFile(dir / "out.ts") == all);
  uint64_t paid = (source.bytes.size() + 1) * price;
  CHECK(settled->starts_with("paid " + std::to_string(paid) + " for " +
                             std::to_string(source.bytes.size()) + " segments"));
  CHECK(Balance(t, c.address()) == budget - paid);
  viewer.Signal(SIGINT);
  CHECK(viewer.Wait(30s) == 0);
  broadcaster.Signal(SIGINT);
  CHECK(broadcaster.Wait(30s) == 0);
  CHECK(Balance(t, b.address()) == paid);
  CHECK(t.Audit(true).first == 0);

  // Every segment went through nginx; the tracker saw the client over https.
  std::string access = ReadWholeFile(dir / "nginx/access.log").value_or("");
  size_t segments = 0;
  for (size_t at = 0; (at = access.find("POST /v1/segment", at)) != std::string::npos; ++at)
    ++segments;
  CHECK(segments >= source.bytes.size());
  REQUIRE(t.Stop() == 0);
  std::istringstream log(ReadWholeFile(t.data_dir() + ".log").value_or(""));
  int over_https = 0;
  for (std::string line; std::getline(log, line);) {
    if (line.find("\"msg\":\"request\"") == std::string::npos) continue;
    auto entry = json::parse(line);
    if (entry["route"] == "/v1/openContract" && entry["scheme"] == "https" &&
        entry["client"] == "127.0.0.1")
      ++over_https;
  }
  CHECK(over_https == 1);
  ::unsetenv("SSL_CERT_FILE");
}

}  // namespace tollstream::test
