#include "common/http/json_reply.h"

#include <httplib.h>

namespace tollstream {

void SetBody(httplib::Response& res, std::string&& body, std::string_view content_type) {
  res.body = std::move(body);
  auto old = res.headers.equal_range("Content-Type");
  res.headers.erase(old.first, old.second);
  res.set_header("Content-Type", std::string(content_type));
}

void ReplyJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  SetBody(res, body.dump(), "application/json");
}

void ReplyError(httplib::Response& res, const Error& error) {
  ReplyJson(res, HttpStatus(error.code),
            {{"error", {{"code", CodeName(error.code)}, {"message", ValidUtf8(error.message)}}}});
}

}  // namespace tollstream
