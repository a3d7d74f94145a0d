#include "common/http/request_parser.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/base/ascii.h"

namespace tollstream {
namespace {

bool TokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool Token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), TokenChar);
}

constexpr size_t kChunkLine = 64;  // a chunk's size line, extensions included

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

// Splits a query into decoded params; false when an escape is malformed.
bool ParseQuery(std::string_view query, std::multimap<std::string, std::string>& params) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string name, value;
    if (!PercentDecode(pair.substr(0, eq), name, true)) return false;
    if (eq != std::string_view::npos && !PercentDecode(pair.substr(eq + 1), value, true)) {
      return false;
    }
    params.emplace(std::move(name), std::move(value));
  }
  return true;
}

}  // namespace

bool PercentDecode(std::string_view in, std::string& out, bool plus_is_space) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+' && plus_is_space) {
      out += ' ';
    } else if (c != '%') {
      out += c;
    } else {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]);
      int lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
  }
  return true;
}

bool RequestParser::Fail(int status, std::string reason) {
  m_status = status;
  m_reason = std::move(reason);
  m_state = State::kDone;
  return false;
}

bool RequestParser::LineTooLong() {
  switch (m_state) {
    case State::kRequestLine:
      return Fail(
          431, "the request line is over " + std::to_string(m_limits.max_request_line) + " bytes");
    case State::kChunkSize:
      return Fail(400, "a malformed chunk size line");
    default:
      return Fail(
          431, "the header block is over " + std::to_string(m_limits.max_header_bytes) + " bytes");
  }
}

bool RequestParser::TakeLine(std::string_view data, size_t& used, size_t limit) {
  size_t lf = data.find('\n', used);
  size_t end = lf == std::string_view::npos ? data.size() : lf;
  size_t room = limit > m_line.size() ? limit - m_line.size() : 0;
  if (end - used > room) return LineTooLong();
  m_line.append(data.substr(used, end - used));
  used = lf == std::string_view::npos ? data.size() : lf + 1;
  if (lf == std::string_view::npos) return false;
  if (!m_line.empty() && m_line.back() == '\r') m_line.pop_back();
  return true;
}

size_t RequestParser::Feed(std::string_view data) {
  size_t used = 0;
  if (!data.empty()) m_started = true;
  while (used < data.size() && m_state != State::kDone) {
    switch (m_state) {
      case State::kRequestLine:
      case State::kHeaders:
      case State::kTrailers: {
        bool first = m_state == State::kRequestLine;
        size_t limit =
            first ? m_limits.max_request_line
                  : m_limits.max_header_bytes - std::min(m_header_bytes, m_limits.max_header_bytes);
        if (!TakeLine(data, used, limit)) {
          if (failed()) return used;
          break;
        }
        std::string line = std::move(m_line);
        m_line.clear();
        m_header_bytes += line.size() + 2;
        if (first) {
          if (line.empty()) {  // a stray CRLF between requests
            m_header_bytes = 0;
            break;
          }
          if (!RequestLine(line)) return used;
          m_state = State::kHeaders;
        } else if (m_state == State::kHeaders) {
          if (line.empty() ? !EndOfHeaders() : !HeaderLine(line)) return used;
        } else if (line.empty()) {
          m_state = State::kDone;
        }
        break;
      }
      case State::kBody:
      case State::kChunkData: {
        size_t n = static_cast<size_t>(std::min<uint64_t>(m_remaining, data.size() - used));
        m_request.body.append(data.substr(used, n));
        used += n;
        m_remaining -= n;
        if (m_remaining > 0) break;
        if (m_state == State::kBody) {
          m_state = State::kDone;
        } else {
          m_state = State::kChunkSize;
          m_chunk_end = true;  // the CRLF after the chunk's data: an empty line
        }
        break;
      }
      case State::kChunkSize: {
        if (!TakeLine(data, used, kChunkLine)) {
          if (failed()) return used;
          break;
        }
        std::string line = std::move(m_line);
        m_line.clear();
        if (m_chunk_end) {
          m_chunk_end = false;
          if (!line.empty()) return Fail(400, "a chunk's data is longer than its size"), used;
          break;
        }
        if (!ChunkSize(line)) return used;
        break;
      }
      case State::kDone:
        break;
    }
  }
  return used;
}

bool RequestParser::RequestLine(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "a malformed request line");
  }
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!Token(method) || target.empty()) return Fail(400, "a malformed request line");
  m_request.method = std::string(method);
  m_request.target = std::string(target);
  size_t q = target.find('?');
  if (!PercentDecode(target.substr(0, q), m_request.path, false)) {
    return Fail(400, "a malformed escape in the path");
  }
  if (q != std::string_view::npos && !ParseQuery(target.substr(q + 1), m_request.params)) {
    return Fail(400, "a malformed escape in the query");
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return Fail(version.starts_with("HTTP/") ? 505 : 400, "HTTP/1.1 or HTTP/1.0 only");
  }
  m_request.version = std::string(version);
  return true;
}

bool RequestParser::HeaderLine(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') {
    return Fail(400, "a folded header line");
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos || !Token(line.substr(0, colon))) {
    return Fail(400, "a malformed header line");
  }
  if (m_request.headers.size() >= m_limits.max_header_count) {
    return Fail(431, "more than " + std::to_string(m_limits.max_header_count) + " header fields");
  }
  m_request.headers.Add(std::string(line.substr(0, colon)),
                        std::string(Trim(line.substr(colon + 1))));
  return true;
}

bool RequestParser::EndOfHeaders() {
  const HttpHeaders& h = m_request.headers;
  if (h.Has("Transfer-Encoding")) {
    if (h.Has("Content-Length")) return Fail(400, "both Content-Length and Transfer-Encoding");
    std::string coding = h.Get("Transfer-Encoding");
    if (!SameName(coding, "chunked")) return Fail(501, "the transfer coding chunked only");
    m_state = State::kChunkSize;
    m_remaining = 0;
    return true;
  }
  std::string length = h.Get("Content-Length");
  for (const auto& [name, value] : h.fields()) {
    if (SameName(name, "Content-Length") && value != length) {
      return Fail(400, "Content-Length given twice");
    }
  }
  uint64_t n = 0;
  if (!length.empty()) {
    auto [end, ec] = std::from_chars(length.data(), length.data() + length.size(), n);
    if (ec == std::errc::result_out_of_range) {
      return Fail(413, "the body is over " + std::to_string(m_limits.max_body_bytes) + " bytes");
    }
    if (ec != std::errc() || end != length.data() + length.size()) {
      return Fail(400, "a malformed Content-Length");
    }
  }
  if (n > m_limits.max_body_bytes) {
    return Fail(413, "the body is over " + std::to_string(m_limits.max_body_bytes) + " bytes");
  }
  m_remaining = n;
  m_state = n == 0 ? State::kDone : State::kBody;
  if (n > 0) m_request.body.reserve(static_cast<size_t>(n));
  return true;
}

bool RequestParser::ChunkSize(std::string_view line) {
  std::string_view digits = Trim(line.substr(0, line.find(';')));
  uint64_t size = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
  if (digits.empty() || ec == std::errc::result_out_of_range ||
      (ec == std::errc() && size > m_limits.max_body_bytes - m_request.body.size())) {
    if (!digits.empty() && (ec == std::errc() || ec == std::errc::result_out_of_range)) {
      return Fail(413, "the body is over " + std::to_string(m_limits.max_body_bytes) + " bytes");
    }
    return Fail(400, "a malformed chunk size");
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return Fail(400, "a malformed chunk size");
  }
  if (size == 0) {
    m_state = State::kTrailers;
    return true;
  }
  m_remaining = size;
  m_state = State::kChunkData;
  return true;
}

}  // namespace tollstream
