#include "common/wire/fields.h"

#include <doctest/doctest.h>

namespace tollstream {
namespace {

Error FirstError(const json& params, void (*read)(ObjectReader&)) {
  ObjectReader r(params, "params");
  read(r);
  Status s = r.Finish();
  REQUIRE_FALSE(s.ok());
  return s.error();
}

}  // namespace

TEST_CASE("amounts: integers from 0 to 2^53-1, nothing else") {
  json built = {{"signed", 7}, {"unsigned", 7u}};  // built in code rather than parsed
  ObjectReader typed(built, "p");
  CHECK(typed.Amount("signed") == 7);
  CHECK(typed.Amount("unsigned") == 7);
  CHECK(typed.Finish().ok());
  auto read = [](ObjectReader& r) { r.Amount("amount"); };
  for (const char* ok : {"0", "1", "9007199254740991"}) {
    json body = json::parse(std::string("{\"amount\":") + ok + "}");
    ObjectReader r(body, "params");
    CHECK(r.Amount("amount") == std::stoull(ok));
    CHECK(r.Finish().ok());
  }
  struct Bad {
    const char* value;
    const char* message;
  };
  for (const auto& b : std::vector<Bad>{{"-1", "negative"},
                                        {"1.5", "whole number"},
                                        {"1e3", "whole number"},
                                        {"9007199254740992", "2^53-1"},
                                        {"18446744073709551616", "out of range"},
                                        {"-18446744073709551616", "out of range"},
                                        {"1e300", "out of range"},
                                        {"\"5\"", "integer"},
                                        {"null", "integer"},
                                        {"true", "integer"}}) {
    CAPTURE(b.value);
    Error e = FirstError(json::parse(std::string("{\"amount\":") + b.value + "}"), read);
    CHECK(e.code == ErrorCode::kInvalidField);
    CHECK(e.message.find("params.amount") != std::string::npos);
    CHECK(e.message.find(b.message) != std::string::npos);
  }
}

TEST_CASE("missing and extra fields are errors that name the field") {
  Error missing = FirstError(json{{"b", 1}}, [](ObjectReader& r) { r.Amount("a"); });
  CHECK(missing.message == "params.a is missing");
  Error extra = FirstError(json{{"a", 1}, {"zz", 2}}, [](ObjectReader& r) { r.Amount("a"); });
  CHECK(extra.message == "params.zz is not a known field");
  Error not_object = FirstError(json::array(), [](ObjectReader&) {});
  CHECK(not_object.message == "params must be a JSON object");
}

TEST_CASE("hex, keys, names and strings") {
  std::string key = "dff1d77f2a671c5f36183726db2341be58feae1da2deced843240f7b502ba659";
  json fields = {{"k", key}, {"n", "live-1.cam_2"}, {"s", "abc"}};
  ObjectReader good(fields, "p");
  CHECK(good.Key("k").has_value());
  CHECK(good.Name("n") == "live-1.cam_2");
  CHECK(good.String("s", 1, 3) == "abc");
  CHECK(good.Finish().ok());

  auto key_error = [](const json& v) {
    json body = {{"k", v}};
    ObjectReader r(body, "p");
    r.Key("k");
    return r.Finish();
  };
  CHECK_FALSE(key_error(key.substr(1)).ok());               // too short
  CHECK_FALSE(key_error(std::string(64, 'F')).ok());        // uppercase
  CHECK_FALSE(key_error(std::string(63, '0') + "g").ok());  // bad digit
  CHECK_FALSE(key_error(std::string(64, 'f')).ok());        // not on the curve
  CHECK_FALSE(key_error(5).ok());                           // not a string
  json spaced = {{"n", "a b"}};
  ObjectReader bad_name(spaced, "p");
  bad_name.Name("n");
  CHECK_FALSE(bad_name.Finish().ok());
  json long_body = {{"n", std::string(65, 'a')}};
  ObjectReader long_name(long_body, "p");
  long_name.Name("n");
  CHECK_FALSE(long_name.Finish().ok());
}

TEST_CASE("only the first error is kept") {
  json body = {{"a", -1}, {"b", "x"}};
  ObjectReader r(body, "params");
  r.Amount("a");
  r.Amount("b");
  Status s = r.Finish();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message.find("params.a") != std::string::npos);
}

}  // namespace tollstream
