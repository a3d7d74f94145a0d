#include "peer/http_reply.h"

#include <httplib.h>

namespace tollstream {

void WriteAnswer(httplib::Response& res, const PeerAnswer& a) {
  if (a.bytes && a.bytes->empty() && a.complete_when && !a.complete_when()) {
    res.status = 503;
    res.set_header("Connection", "close");
    res.set_content("the answer could not be completed\n", "text/plain");
    return;
  }
  res.status = a.status;
  for (const auto& [name, value] : a.headers) res.set_header(name, value);
  if (!a.bytes) {
    res.set_header("Connection", "close");
    res.set_content(a.body, a.content_type);
    return;
  }
  auto bytes = a.bytes;  // kept alive until the provider is done
  auto complete_when = a.complete_when;
  res.set_content_provider(
      bytes->size(), a.content_type, [bytes, complete_when](size_t offset, size_t length, httplib::DataSink& sink) {
        if (!complete_when || length == 0 || offset + length != bytes->size()) {
          return sink.write(bytes->data() + offset, length);
        }
        if (length > 1 && !sink.write(bytes->data() + offset, length - 1)) return false;
        return complete_when() && sink.write(bytes->data() + bytes->size() - 1, 1);
      });
}

}  // namespace tollstream
