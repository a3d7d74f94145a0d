// An answer of a peer node's HTTP API: usually a signed JSON envelope; for a
// delivered segment, its bytes with the signed statement in a header.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tollstream {

inline constexpr const char* kSegmentHeader = "X-Tollstream-Segment";

struct PeerAnswer {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::shared_ptr<const std::string> bytes;  // when set, sent instead of body
  std::vector<std::pair<std::string, std::string>> headers;
  // When set, the answer is complete only once this returns true: the last
  // byte of `bytes` waits for it, and the connection is dropped when it
  // returns false (empty `bytes`: a 503 instead). What it waits for (a
  // receipt's synced record) thus runs while the rest of the bytes travel.
  std::function<bool()> complete_when;
};

}  // namespace tollstream
