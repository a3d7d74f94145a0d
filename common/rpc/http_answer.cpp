#include "common/rpc/http_answer.h"

#include <unistd.h>

#include "common/http/http_server.h"
#include "common/http/json_reply.h"

namespace tollstream {
namespace {

// Sends the payload of `a` (bytes or a file region) with its conditions.
void SetPayload(HttpResponse& res, Answer& a) {
  auto bytes = std::move(a.bytes);  // both kept alive until the provider is done
  auto file = std::move(a.file);
  auto complete_when = std::move(a.complete_when);
  uint64_t size = bytes ? bytes->size() : file->size();
  res.SetContentProvider(
      size, std::string(a.content_type), [=](size_t offset, size_t length, DataSink& sink) {
        bool from_file = file && file->Unchanged();
        if (!from_file && !bytes) return false;
        auto send = [&](size_t from, size_t n) {
          const char* memory = bytes ? bytes->data() + from : nullptr;
          return from_file ? sink.SendFile(file->fd(), static_cast<off_t>(from), n)
                           : sink.Write(memory, n);
        };
        // The last byte waits for the condition and, when the rest went out
        // from the file, is read and sent only if the file is then still the
        // version signed.
        bool hold = complete_when || from_file;
        if (!hold || length == 0 || offset + length != size) return send(offset, length);
        if (length > 1 && !send(offset, length - 1)) return false;
        if (complete_when && !complete_when()) return false;
        if (!from_file) return sink.Write(bytes->data() + size - 1, 1);
        char last = 0;
        if (bytes) {
          last = bytes->back();
        } else if (::pread(file->fd(), &last, 1, static_cast<off_t>(size - 1)) != 1) {
          return false;
        }
        return file->Unchanged() && sink.Write(&last, 1);
      });
}

}  // namespace

void WriteAnswer(HttpResponse& res, Answer a, ConnectionPolicy policy) {
  bool payload = a.has_payload();
  bool close = policy == ConnectionPolicy::kCloseUnlessPayload;
  if (payload && a.size() == 0 && a.complete_when && !a.complete_when()) {
    res.status = 503;
    if (close) res.SetHeader("Connection", "close");
    res.SetContent("the answer could not be completed\n", "text/plain");
    return;
  }
  res.status = a.status;
  for (auto& [name, value] : a.headers) res.SetHeader(name, value);
  if (!payload) {
    if (close) res.SetHeader("Connection", "close");
    res.SetContent(std::move(a.body), a.content_type);
    return;
  }
  SetPayload(res, a);
}

}  // namespace tollstream
