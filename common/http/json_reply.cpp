#include "common/http/json_reply.h"

#include "common/http/http_server.h"

namespace tollstream {

void ReplyJson(HttpResponse& res, int status, const json& body) {
  res.status = status;
  res.SetHeader("Cache-Control", "no-store");
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetContent(body.dump(), "application/json");
}

void ReplyError(HttpResponse& res, const Error& error) {
  ReplyJson(res, HttpStatus(error.code),
            {{"error", {{"code", CodeName(error.code)}, {"message", ValidUtf8(error.message)}}}});
}

}  // namespace tollstream
