// An answer of a signed service (common/rpc/signed_service.h), as the HTTP
// endpoint writes it: usually a signed JSON envelope in `body`; or a payload
// (bytes in memory, or a file's pages in the kernel's cache) that the
// envelope does not carry, such as a delivered segment with its signed
// statement in a header.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/files.h"

namespace tollstream {

struct Answer {
  int status = 200;
  std::string_view content_type = "application/json";  // a literal: it outlives the answer
  std::string body;
  // A payload, sent instead of body when either is set. While `file` is
  // the version the bytes were signed from (by its stamp), they go out from
  // its pages in the kernel's cache (sendfile); a file found changed before
  // sending starts is sent from `bytes`, or, with none in memory, not at
  // all. A change found before the last byte (which is sent only once the
  // file is seen unchanged) drops the connection. Bytes already queued are
  // the file's own pages: a writer changing the file in place while they
  // travel changes what the client gets, and the client's check against a
  // signed hash refuses it.
  std::shared_ptr<const std::string> bytes;
  std::shared_ptr<const OpenFile> file;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the answer is complete only once this returns true: the last
  // byte of the payload waits for it, and the connection is dropped when it
  // returns false (an empty payload: a 503 instead). What it waits for (a
  // synced record) thus runs while the rest of the bytes travel.
  std::function<bool()> complete_when;

  bool has_payload() const { return bytes || file; }
  // The payload's size in bytes (0 for none).
  uint64_t size() const { return bytes ? bytes->size() : file ? file->size() : 0; }
};

}  // namespace tollstream
