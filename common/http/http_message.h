// An HTTP/1.1 request as a server's handler sees it, and the response it
// builds: a body in memory, or one a provider writes to a DataSink as it
// goes (with its length known, or chunked), possibly straight from a file's
// pages in the kernel's cache (sendfile). See http_server.h.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <map>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tollstream {

// Header fields in the order they came; names compare without case.
class HttpHeaders {
 public:
  void Add(std::string name, std::string value);
  // Replaces every field of that name.
  void Set(const std::string& name, std::string value);
  bool Has(std::string_view name) const;
  // The first field's value, or "" when there is none.
  std::string Get(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& fields() const { return m_fields; }
  size_t size() const { return m_fields.size(); }

 private:
  std::vector<std::pair<std::string, std::string>> m_fields;
};

bool SameName(std::string_view a, std::string_view b);  // ASCII, without case

struct HttpRequest {
  std::string method;   // "GET", "POST", ...
  std::string target;   // as sent: path and query
  std::string path;     // the target's path, percent-decoded
  std::string version;  // "HTTP/1.1" or "HTTP/1.0"
  HttpHeaders headers;
  std::multimap<std::string, std::string> params;  // the query, decoded
  std::string body;                                // decoded from chunks when chunked
  std::string remote_addr;                         // the peer's IP address
  int remote_port = 0;
  // The client, and the scheme it used, as a trusted proxy in front says
  // (common/http/forwarded.h); else the peer itself, over "http".
  std::string client_addr;
  std::string scheme = "http";
  std::smatch matches;  // the route's groups, over `path`

  bool HasHeader(std::string_view name) const { return headers.Has(name); }
  std::string Header(std::string_view name) const { return headers.Get(name); }
  bool HasParam(const std::string& name) const { return params.count(name) > 0; }
  std::string Param(const std::string& name) const;
};

// Where a provider writes a response body. Every call blocks until the
// bytes are with the kernel (or the write timeout passed); false means the
// connection is gone, and the provider should return false.
class DataSink {
 public:
  virtual ~DataSink() = default;
  virtual bool Write(const char* data, size_t size) = 0;
  // Sends `length` bytes of the file `fd` from `offset`, with sendfile(2).
  virtual bool SendFile(int fd, off_t offset, size_t length) = 0;
  // The body is complete (chunked bodies; a sized body ends at its size).
  virtual void Done() = 0;
  // Whether the client is still there to write to.
  virtual bool IsWritable() const = 0;
};

// Writes from `offset` at most `length` bytes of a sized body; called until
// the whole size is written. False ends the response (and the connection).
using ContentProvider = std::function<bool(size_t offset, size_t length, DataSink& sink)>;
// Writes the next piece of a chunked body; called until it calls Done().
using ChunkedProvider = std::function<bool(size_t offset, DataSink& sink)>;

struct HttpResponse {
  int status = -1;  // unset: 200 once a route handled the request, else 404
  HttpHeaders headers;
  std::string body;
  ContentProvider provider;  // a sized body of provider_size bytes
  size_t provider_size = 0;
  ChunkedProvider chunked;  // or a chunked one
  // Why the server refused the request before any route saw it (a limit
  // passed, a malformed request): for the error handler; "" otherwise.
  std::string refusal;

  void SetHeader(const std::string& name, std::string value) {
    headers.Set(name, std::move(value));
  }
  bool HasHeader(std::string_view name) const { return headers.Has(name); }
  void SetContent(std::string content, std::string_view content_type);
  void SetContentProvider(size_t size, std::string_view content_type, ContentProvider p);
  void SetChunkedProvider(std::string_view content_type, ChunkedProvider p);
};

}  // namespace tollstream
