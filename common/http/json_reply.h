// Unsigned JSON answers over HTTP: what a node's own pages and the
// tracker's dashboard read (plain GET and the page's controls), beside the
// signed methods.
//
// Every reply carries `Cache-Control: no-store` and
// `X-Content-Type-Options: nosniff`. A refusal is
// {"error": {"code", "message"}} with the status of its code
// (common/base/error.h); its message is made valid UTF-8.
#pragma once

#include <string>
#include <string_view>

#include "common/base/error.h"
#include "common/http/http_message.h"
#include "common/wire/json.h"

namespace tollstream {

void ReplyJson(HttpResponse& res, int status, const json& body);
void ReplyError(HttpResponse& res, const Error& error);

}  // namespace tollstream
