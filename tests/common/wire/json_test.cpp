#include "common/wire/json.h"

#include <doctest/doctest.h>

namespace tollstream {

TEST_CASE("strict parse accepts plain JSON") {
  auto j = ParseStrict(R"({"a": [1, "x", true, null, {"b": -2}]})");
  REQUIRE(j.ok());
  CHECK((*j)["a"][4]["b"] == -2);
}

TEST_CASE("strict parse refuses what could mean two things") {
  struct Case {
    const char* text;
    const char* why;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"a":1,"a":2})", "duplicate key"},
           {R"({"a":{"b":1,"b":1}})", "duplicate key"},
           {R"({"a":1)", "expected"},
           {"", ""},
           {R"({"a":1} x)", ""},
           {"{\"a\":\"\xff\"}", ""},
           {R"({"a":"\ud800"})", ""},
           {R"({"a":01})", ""},
           {R"({'a':1})", ""},
           {R"({"a":1,})", ""},
           {"[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]", "nesting"},
       }) {
    CAPTURE(c.text);
    auto j = ParseStrict(c.text);
    REQUIRE_FALSE(j.ok());
    CHECK(j.error().code == ErrorCode::kMalformedJson);
    CHECK(j.error().message.find(c.why) != std::string::npos);
  }
}

TEST_CASE("canonical form: sorted keys, no whitespace, minimal escapes") {
  auto j = ParseStrict(
      "{ \"b\" : 1, \"a\" : [ \"x\\u0041\\n\\u0001\\/\" , false ], \"c\": {\"z\":null,\"y\":-5} }");
  REQUIRE(j.ok());
  CHECK(Canonical(*j) == "{\"a\":[\"xA\\n\\u0001/\",false],\"b\":1,\"c\":{\"y\":-5,\"z\":null}}");
  CHECK(CanonicalWithout(*j, "b") ==
        "{\"a\":[\"xA\\n\\u0001/\",false],\"c\":{\"y\":-5,\"z\":null}}");
  CHECK(CanonicalWithout(json::object(), "sig") == "{}");
  // Non-ASCII text stays UTF-8, as RFC 8785 asks.
  auto u = ParseStrict(R"({"s":"\u00e9\u20ac"})");
  REQUIRE(u.ok());
  CHECK(Canonical(*u) == "{\"s\":\"\xc3\xa9\xe2\x82\xac\"}");
}

}  // namespace tollstream

namespace tollstream {

TEST_CASE("error messages quoting input are made valid UTF-8") {
  CHECK(ValidUtf8("plain") == "plain");
  CHECK(ValidUtf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5") ==
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8e\xa5");
  CHECK(ValidUtf8("a\xffz") == "a?z");
  CHECK(ValidUtf8("\xc3") == "?");                 // cut short
  CHECK(ValidUtf8("\xc0\xaf") == "??");            // overlong
  CHECK(ValidUtf8("\xed\xa0\x80") == "???");       // a surrogate
  CHECK(ValidUtf8("\xf4\x90\x80\x80") == "????");  // above U+10FFFF
  auto bad = ParseStrict("{\"a\":\"\xff\"}");
  REQUIRE_FALSE(bad.ok());
  CHECK_NOTHROW(json(ValidUtf8(bad.error().message)).dump());
}

}  // namespace tollstream
