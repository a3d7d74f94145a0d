#include "peer/broadcast/rtmp_ingest.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "common/cli/host_port.h"
#include "common/observe/log.h"

namespace tollstream {
namespace {

Error Bad(const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, "--ingest: " + why);
}

bool Plain(const std::string& s, size_t least, size_t most) {
  return s.size() >= least && s.size() <= most && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
         });
}

// The value of `name` in a form body (a=1&b=2, percent-escaped), as nginx
// sends its notifications; "" when absent or malformed.
std::string FormValue(const std::string& body, const std::string& name) {
  size_t at = 0;
  while (at <= body.size()) {
    size_t end = std::min(body.find('&', at), body.size());
    std::string pair = body.substr(at, end - at);
    if (pair.starts_with(name + "=")) {
      std::string out;
      for (size_t i = name.size() + 1; i < pair.size(); ++i) {
        if (pair[i] == '+') {
          out += ' ';
        } else if (pair[i] == '%' && i + 2 < pair.size() &&
                   std::isxdigit(static_cast<unsigned char>(pair[i + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(pair[i + 2]))) {
          out += static_cast<char>(std::stoi(pair.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += pair[i];
        }
      }
      return out;
    }
    at = end + 1;
  }
  return "";
}

// Whether `a` and `b` are equal, in a time that does not tell where they differ.
bool SameKey(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

Result<RtmpTarget> ParseRtmpIngest(const std::string& url) {
  if (!url.starts_with("rtmp://")) return Bad("give rtmp://HOST:PORT/APP/KEY");
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  if (slash == std::string::npos) return Bad("rtmp://HOST:PORT/APP/KEY needs an application");
  auto hp = ParseHostPort(rest.substr(0, slash));
  if (!hp || hp->port == 0) return Bad("rtmp://HOST:PORT/APP/KEY needs a host and a port");
  bool plain_host = !hp->host.empty() && std::all_of(hp->host.begin(), hp->host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-';
  });
  if (!plain_host) return Bad("the host is an address or a name (letters, digits, . : -)");
  std::string path = rest.substr(slash + 1);
  size_t second = path.find('/');
  if (second == std::string::npos) return Bad("rtmp://HOST:PORT/APP/KEY needs a stream key");
  RtmpTarget t{hp->host, hp->port, path.substr(0, second), path.substr(second + 1)};
  if (!Plain(t.app, 1, 64)) return Bad("the application takes letters, digits, - and _");
  if (!Plain(t.key, 8, 128))
    return Bad("the stream key is 8 to 128 letters, digits, - and _ (a long random one)");
  return t;
}

std::string RtmpNginxConfig(const RtmpTarget& target, const std::filesystem::path& dir,
                            int gate_port, int segment_seconds) {
  std::string d = dir.string();
  std::string listen = target.host.find(':') != std::string::npos
                           ? "[" + target.host + "]:" + std::to_string(target.port)
                           : target.host + ":" + std::to_string(target.port);
  return "daemon off;\nmaster_process off;\npid " + d + "/nginx.pid;\nerror_log stderr warn;\n" +
         "load_module /usr/lib/nginx/modules/ngx_rtmp_module.so;\n" +
         "events { worker_connections 64; }\n" + "rtmp {\n  server {\n    listen " + listen +
         ";\n    application " + target.app +
         " {\n      live on;\n      record off;\n      on_publish http://127.0.0.1:" +
         std::to_string(gate_port) +
         "/publish;\n      on_publish_done http://127.0.0.1:" + std::to_string(gate_port) +
         "/done;\n      hls on;\n      hls_path " + d + "/hls;\n      hls_fragment " +
         std::to_string(segment_seconds) + "s;\n      hls_playlist_length 7d;\n" +
         "      hls_cleanup off;\n      hls_continuous on;\n    }\n  }\n}\n";
}

PublishGate::PublishGate(std::string key) : m_key(std::move(key)) {
  m_server.Post("/publish", [this](const HttpRequest& req, HttpResponse& res) {
    std::string addr = FormValue(req.body, "addr");
    if (!SameKey(FormValue(req.body, "name"), m_key)) {
      LogWarn("refused a streamer from " + addr + ": not the stream key");
      res.status = 403;
      return;
    }
    LogInfo("the streamer connected from " + addr);
    std::lock_guard lock(m_mutex);
    m_sender = addr;
  });
  m_server.Post("/done", [this](const HttpRequest& req, HttpResponse&) {
    std::lock_guard lock(m_mutex);
    if (SameKey(FormValue(req.body, "name"), m_key)) {
      LogInfo("the streamer left");
      m_sender.clear();
    }
  });
}

PublishGate::~PublishGate() {
  if (m_thread.joinable()) {
    m_server.Stop();
    m_thread.join();
  }
}

Result<int> PublishGate::Start() {
  std::string why;
  int port = m_server.Bind("127.0.0.1", 0, &why);
  if (port < 0) return MakeError(ErrorCode::kUnavailable, "cannot listen for nginx: " + why);
  m_thread = std::thread([this] { m_server.Run(); });
  return port;
}

std::string PublishGate::sender() const {
  std::lock_guard lock(m_mutex);
  return m_sender;
}

}  // namespace tollstream
