// Reads an HTTP/1.1 request from the bytes a connection delivers, in
// whatever pieces they come, keeping no more than its limits allow: the
// request line, the header block and the body are each bounded, and a
// request over a bound is refused as soon as the bound is passed, having
// kept no more than the bound (a header line of 100 MB costs what the limit
// costs, not 100 MB).
//
// Refusals (status()): 400 malformed; 413 a body over max_body_bytes,
// known from Content-Length before any of it is read, or from the chunks as
// they come; 431 a request line over max_request_line, a header block over
// max_header_bytes or more than max_header_count fields; 501 a
// transfer coding other than chunked; 505 a version other than HTTP/1.0 or
// HTTP/1.1. Lines end with CRLF (a bare LF is taken too).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/http/http_message.h"

namespace tollstream {

struct RequestLimits {
  size_t max_request_line = 8 << 10;
  size_t max_header_bytes = 16 << 10;  // the whole block, request line included
  size_t max_header_count = 100;
  size_t max_body_bytes = 64 << 10;
};

class RequestParser {
 public:
  enum class State { kRequestLine, kHeaders, kBody, kChunkSize, kChunkData, kTrailers, kDone };

  explicit RequestParser(RequestLimits limits) : m_limits(limits) {}

  // Takes bytes from `data` and returns how many it took: all of them until
  // the request is complete or refused; then those after the request stay
  // with the caller (the next request on the connection).
  size_t Feed(std::string_view data);

  bool done() const { return m_state == State::kDone && m_status == 0; }
  bool failed() const { return m_status != 0; }
  bool started() const { return m_started; }  // a byte of this request came
  // Whether the headers are in and a body is expected: "Expect:
  // 100-continue" wants an interim answer then.
  bool awaiting_body() const { return m_state == State::kBody || m_state == State::kChunkSize; }
  int status() const { return m_status; }  // the refusal's status, 0 while none
  const std::string& reason() const { return m_reason; }
  // The request so far (complete once done(); its method and path are set
  // once the request line was read, also for a refused request).
  HttpRequest& request() { return m_request; }

 private:
  bool Fail(int status, std::string reason);
  // Takes a line ending in LF from `data` into m_line; true once complete.
  // Fails (LineTooLong) when the line is over `limit` bytes.
  bool TakeLine(std::string_view data, size_t& used, size_t limit);
  // The refusal of a line over its limit, by what the line is.
  bool LineTooLong();
  bool RequestLine(std::string_view line);
  bool HeaderLine(std::string_view line);
  bool EndOfHeaders();
  bool ChunkSize(std::string_view line);

  RequestLimits m_limits;
  State m_state = State::kRequestLine;
  int m_status = 0;
  std::string m_reason;
  bool m_started = false;
  HttpRequest m_request;
  std::string m_line;         // the line being read
  size_t m_header_bytes = 0;  // of the lines read whole
  bool m_chunk_end = false;   // the line after a chunk's data is next
  uint64_t m_remaining = 0;   // of the body or of the chunk being read
};

// Decodes %XX escapes (and, when `plus_is_space`, '+' as a space); false
// when an escape is malformed.
bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space);

}  // namespace tollstream
