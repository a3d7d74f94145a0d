#include "common/protocol/segment.h"

#include <doctest/doctest.h>

#include "common/base/hex.h"

namespace tollstream {

TEST_CASE("a segment statement binds stream, sequence number and bytes") {
  KeyPair b = KeyPair::Generate();
  std::string bytes(5000, 'x');
  SegmentStatement s = SignSegment(b, "news", 42, bytes, 2000);
  auto parsed = ParseSegmentStatement(s.ToJson().dump());
  REQUIRE(parsed.ok());
  CHECK(parsed->seq == 42);
  CHECK(CheckSegmentBytes(*parsed, bytes).ok());
  std::string altered = bytes;
  altered[100] = 'y';
  CHECK(CheckSegmentBytes(*parsed, altered).error().code == ErrorCode::kBadSignature);
  CHECK_FALSE(CheckSegmentBytes(*parsed, bytes.substr(1)).ok());

  for (const char* field : {"seq", "stream", "sha256", "duration_ms"}) {
    CAPTURE(field);
    json j = s.ToJson();
    if (std::string(field) == "stream")
      j[field] = "other";
    else if (std::string(field) == "sha256")
      j[field] = std::string(64, '0');
    else
      j[field] = j[field].get<int64_t>() + 1;
    CHECK(ParseSegmentStatement(j.dump()).error().code == ErrorCode::kBadSignature);
  }
  json other = s.ToJson();
  other["broadcaster"] = KeyPair::Generate().public_key().ToHex();
  CHECK(ParseSegmentStatement(other.dump()).error().code == ErrorCode::kBadSignature);
}

TEST_CASE("a discontinuity is signed: told when true, absent otherwise, never stripped") {
  KeyPair b = KeyPair::Generate();
  std::string bytes(100, 'x');
  SegmentStatement plain = SignSegment(b, "news", 7, bytes, 2000);
  CHECK(!plain.ToJson().contains("discontinuity"));
  CHECK(!ParseSegmentStatement(plain.ToJson().dump())->discontinuity);
  SegmentStatement marked = SignSegment(b, "news", 7, bytes, 2000, /*discontinuity=*/true);
  CHECK(marked.ToJson()["discontinuity"] == true);
  auto parsed = ParseSegmentStatement(marked.ToJson().dump());
  REQUIRE(parsed.ok());
  CHECK(parsed->discontinuity);
  // A relay cannot remove the mark, nor add one: the signature covers it.
  json stripped = marked.ToJson();
  stripped.erase("discontinuity");
  CHECK(ParseSegmentStatement(stripped.dump()).error().code == ErrorCode::kBadSignature);
  json added = plain.ToJson();
  added["discontinuity"] = true;
  CHECK(ParseSegmentStatement(added.dump()).error().code == ErrorCode::kBadSignature);
  json spelled_false = plain.ToJson();
  spelled_false["discontinuity"] = false;
  CHECK(ParseSegmentStatement(spelled_false.dump()).error().code == ErrorCode::kInvalidField);
}

TEST_CASE("a segment's rendition is signed: a relay cannot relabel it") {
  KeyPair b = KeyPair::Generate();
  std::string bytes(100, 'x');
  SegmentStatement low = SignSegment(b, "news", 7, bytes, 2000, false, "360p");
  CHECK(low.ToJson()["rendition"] == "360p");
  auto parsed = ParseSegmentStatement(low.ToJson().dump());
  REQUIRE(parsed.ok());
  CHECK(parsed->rendition == "360p");
  json relabelled = low.ToJson();
  relabelled["rendition"] = "1080p";
  CHECK(ParseSegmentStatement(relabelled.dump()).error().code == ErrorCode::kBadSignature);
  json stripped = low.ToJson();
  stripped.erase("rendition");
  CHECK(ParseSegmentStatement(stripped.dump()).error().code == ErrorCode::kBadSignature);
  CHECK_FALSE(SignSegment(b, "news", 7, bytes, 2000).ToJson().contains("rendition"));
  json bad = low.ToJson();
  bad["rendition"] = "a b";
  CHECK(ParseSegmentStatement(bad.dump()).error().code == ErrorCode::kInvalidField);
}

}  // namespace tollstream
