#include "common/http/web_assets.h"

#include <httplib.h>

#include <string>

namespace tollstream {

void ServeAssets(httplib::Server& server, std::span<const WebAsset> assets) {
  for (const WebAsset& asset : assets) {
    std::string pattern;  // paths hold letters, digits, '/', '-', '_' and '.': only '.' is special
    for (char c : asset.path) pattern += c == '.' ? std::string("\\.") : std::string(1, c);
    server.Get(pattern, [&asset](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-cache");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; "
                     "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'");
      res.set_header("X-Frame-Options", "DENY");
      std::string_view bytes = asset.bytes;  // static: no copy per request
      res.set_content_provider(bytes.size(), std::string(asset.content_type),
                               [bytes](size_t offset, size_t length, httplib::DataSink& sink) {
                                 return sink.write(bytes.data() + offset, length);
                               });
    });
  }
}

}  // namespace tollstream
