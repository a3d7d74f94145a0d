#include "peer/broadcast/ingest.h"

#include "common/cli/host_port.h"

namespace tollstream {
namespace {

Error Bad(const std::string& why) {
  return MakeError(ErrorCode::kInvalidField, "--ingest: " + why);
}

// The value of `name` in a query "a=1&b=2" ("" when absent).
std::string QueryValue(const std::string& query, const std::string& name) {
  size_t at = 0;
  while (at <= query.size()) {
    size_t end = query.find('&', at);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(at, end - at);
    if (pair.starts_with(name + "=")) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

}  // namespace

Result<std::vector<std::string>> IngestInput(const std::string& url, std::string* key_out) {
  if (!url.starts_with("srt://"))
    return Bad("give rtmp://HOST:PORT/APP/KEY or srt://HOST:PORT?passphrase=KEY");
  std::string rest = url.substr(6);
  size_t q = rest.find('?');
  std::string where = rest.substr(0, q), query = q == std::string::npos ? "" : rest.substr(q + 1);
  auto hp = ParseHostPort(where);
  if (!hp || hp->port == 0) return Bad("srt://HOST:PORT needs a host and a port");
  std::string key = QueryValue(query, "passphrase");
  if (key.size() < 10 || key.size() > 79) {
    return Bad(
        "passphrase=KEY of 10 to 79 characters is the stream key (SRT's handshake checks it; "
        "streamid is not checked)");
  }
  for (char c : key) {
    if (c <= ' ' || c == '&' || c == '%' || c == '#' || c > '~')
      return Bad("the passphrase takes printable characters but & % #");
  }
  if (key_out != nullptr) *key_out = key;
  std::string host = hp->host.find(':') != std::string::npos ? "[" + hp->host + "]" : hp->host;
  return std::vector<std::string>{
      "-i", "srt://" + host + ":" + std::to_string(hp->port) + "?mode=listener&passphrase=" + key};
}

}  // namespace tollstream
