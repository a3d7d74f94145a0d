// An answer of a peer node's HTTP API: usually a signed JSON envelope; for a
// delivered segment, its bytes with the signed statement in a header.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/files.h"

namespace tollstream {

inline constexpr const char* kSegmentHeader = "X-Tollstream-Segment";

struct PeerAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // A segment's bytes, sent instead of body when either is set. While
  // `file` is the version the bytes were signed from, they go out from its
  // pages in the kernel's cache (sendfile); once it changed, from `bytes`,
  // or, with no bytes in memory, not at all: the connection is dropped
  // before the last byte, so that no client ever gets a whole body of
  // bytes other than those signed.
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
