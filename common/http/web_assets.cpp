#include "common/http/web_assets.h"

#include <string>

#include "common/http/http_server.h"

namespace tollstream {

void ServeAssets(HttpServer& server, std::span<const WebAsset> assets) {
  for (const WebAsset& asset : assets) {
    std::string pattern;  // paths hold letters, digits, '/', '-', '_' and '.': only '.' is special
    for (char c : asset.path) pattern += c == '.' ? std::string("\\.") : std::string(1, c);
    server.Get(pattern, [&asset](const HttpRequest&, HttpResponse& res) {
      res.SetHeader("Cache-Control", "no-cache");
      res.SetHeader("X-Content-Type-Options", "nosniff");
      res.SetHeader("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                    "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'");
      res.SetHeader("X-Frame-Options", "DENY");
      std::string_view bytes = asset.bytes;  // static: no copy per request
      res.SetContentProvider(bytes.size(), std::string(asset.content_type),
                             [bytes](size_t offset, size_t length, DataSink& sink) {
                               return sink.Write(bytes.data() + offset, length);
                             });
    });
  }
}

}  // namespace tollstream
