// An answer of a peer node's HTTP API: usually a signed JSON envelope; for a
// delivered segment, its bytes with the signed statement in a header.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/base/files.h"

namespace tollstream {

inline constexpr const char* kSegmentHeader = "X-Tollstream-Segment";

struct PeerAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // A segment's bytes, sent instead of body when either is set. While
  // `file` is the version the bytes were signed from (by its stamp), they
  // go out from its pages in the kernel's cache (sendfile); a file found
  // changed before sending starts is sent from `bytes`, or, with none in
  // memory, not at all. A change found before the last byte (which is sent
  // only once the file is seen unchanged) drops the connection. Bytes
  // already queued are the file's own pages: a writer changing the file in
  // place while they travel changes what the client gets, and the client's
  // check against the signed hash refuses it. Segment files are written
  // once, as an HLS encoder writes them.
  std::shared_ptr<const std::string> bytes;
  std::shared_ptr<const OpenFile> file;
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the answer is complete only once this returns true: the last
  // byte of the segment waits for it, and the connection is dropped when it
  // returns false (an empty segment: a 503 instead). What it waits for (a
  // receipt's synced record) thus runs while the rest of the bytes travel.
  std::function<bool()> complete_when;
  // The segment's size in bytes (0 for none).
  uint64_t size() const { return bytes ? bytes->size() : file ? file->size() : 0; }
};

}  // namespace tollstream
