// The operator's dashboard over HTTP: plain GET, unsigned (public, read-only
// data), beside the signed methods.
//   GET /dashboard                 the page (HTML); its script and styles at
//                                  /dashboard/dashboard.js, /dashboard/dashboard.css
//                                  and /dashboard/style.css (built into the binary)
//   GET /dashboard/api/summary     Dashboard::Summary
//   GET /dashboard/api/streams     ?limit=N            Dashboard::Streams
//   GET /dashboard/api/accounts    ?after=ADDRESS&limit=N
//   GET /dashboard/api/contracts   ?state=all|open&after=ID&limit=N
//   GET /dashboard/api/contract    ?id=ID
//   GET /dashboard/api/history     Dashboard::HistoryJson (tracker/history.h)
//   GET /dashboard/events          server-sent events: the dashboard's "state"
// `limit` is 1 to 500 (default 50). A page answers {"<items>": [...], "next":
// cursor or null}; the next page is asked for with after=<next>. An unknown,
// repeated or ill-formed parameter is refused with 400 and an answer
// {"error": {"code": "invalid_field", "message"}}; an absent contract with
// 404 "not_found"; a storage failure with 503 "unavailable". API answers are
// never cached.
#pragma once

#include <string_view>

#include "tracker/dashboard.h"

namespace tollstream {

class HttpServer;

// Adds the routes above. `dashboard` outlives the server.
void ServeDashboard(HttpServer& server, Dashboard& dashboard);

// True for the paths above.
bool IsDashboardPath(std::string_view path);

}  // namespace tollstream
