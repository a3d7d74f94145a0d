#include "tracker/http/dashboard_routes.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <span>

#include "common/http/events.h"
#include "common/http/http_server.h"
#include "common/http/json_reply.h"
#include "common/http/web_assets.h"

namespace tollstream {

// Generated from tracker/web/ by tollstream_embed_assets (tracker/CMakeLists.txt).
std::span<const WebAsset> DashboardAssets();

namespace {

constexpr std::string_view kApiPaths[] = {"/dashboard/api/summary",  "/dashboard/api/streams",
                                          "/dashboard/api/accounts", "/dashboard/api/contracts",
                                          "/dashboard/api/contract", "/dashboard/api/history"};
constexpr std::string_view kEventsPath = "/dashboard/events";
constexpr size_t kMaxQuotedName = 64;

using Query = std::map<std::string, std::string, std::less<>>;

Error Invalid(std::string message) {
  return MakeError(ErrorCode::kInvalidField, std::move(message));
}

// The request's query parameters, each at most once and each one of `known`.
Result<Query> ReadQuery(const HttpRequest& req, std::initializer_list<std::string_view> known) {
  Query out;
  for (const auto& [name, value] : req.params) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Invalid("unknown parameter \"" + ValidUtf8(name.substr(0, kMaxQuotedName)) + "\"");
    }
    if (!out.emplace(name, value).second)
      return Invalid("parameter " + name + " is given more than once");
  }
  return out;
}

// `limit`: decimal digits only, 1 to kMaxPageSize; kDefaultPageSize when absent.
Result<size_t> ReadLimit(const Query& query) {
  auto it = query.find("limit");
  if (it == query.end()) return kDefaultPageSize;
  const std::string& text = it->second;
  size_t n = 0;
  bool digits = !text.empty() && text.size() <= 4 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) std::from_chars(text.data(), text.data() + text.size(), n);
  if (!digits || n < 1 || n > kMaxPageSize) {
    return Invalid("limit must be an integer from 1 to " + std::to_string(kMaxPageSize));
  }
  return n;
}

std::string Get(const Query& query, std::string_view name) {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

// Adds GET `path`, answering what `answer` returns for the request's query.
void Api(HttpServer& server, std::string_view path,
         std::function<Result<json>(const HttpRequest&)> answer) {
  server.Get(std::string(path),
             [answer = std::move(answer)](const HttpRequest& req, HttpResponse& res) {
               auto body = answer(req);
               if (!body) return ReplyError(res, body.error());
               ReplyJson(res, 200, *body);
             });
}

}  // namespace

void ServeDashboard(HttpServer& server, Dashboard& dashboard) {
  LedgerStore& store = dashboard.ledger_store();
  Api(server, "/dashboard/api/summary", [&dashboard](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {});
    if (!query) return query.error();
    return dashboard.Summary();
  });
  Api(server, "/dashboard/api/streams", [&dashboard](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {"limit"});
    if (!query) return query.error();
    auto limit = ReadLimit(*query);
    if (!limit) return limit.error();
    return dashboard.Streams(*limit);
  });
  Api(server, "/dashboard/api/accounts", [&store](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {"after", "limit"});
    if (!query) return query.error();
    auto limit = ReadLimit(*query);
    if (!limit) return limit.error();
    auto page = store.AccountsPage(Get(*query, "after"), *limit);
    if (!page) return page.error();
    return page->ToJson("accounts");
  });
  Api(server, "/dashboard/api/contracts", [&store](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {"state", "after", "limit"});
    if (!query) return query.error();
    auto limit = ReadLimit(*query);
    if (!limit) return limit.error();
    std::string state = query->contains("state") ? Get(*query, "state") : "all";
    if (state != "all" && state != "open") return Invalid("state must be all or open");
    auto filter = state == "open" ? ContractFilter::kOpen : ContractFilter::kAll;
    auto page = store.ContractsPage(filter, Get(*query, "after"), *limit);
    if (!page) return page.error();
    json out = page->ToJson("contracts");
    out["state"] = state;
    return out;
  });
  Api(server, "/dashboard/api/contract", [&store](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {"id"});
    if (!query) return query.error();
    if (!query->contains("id")) return Invalid("id is required");
    return store.ContractView(Get(*query, "id"));
  });
  Api(server, "/dashboard/api/history", [&dashboard](const HttpRequest& req) -> Result<json> {
    auto query = ReadQuery(req, {});
    if (!query) return query.error();
    return dashboard.HistoryJson();
  });
  ServeEvents(server, std::string(kEventsPath), dashboard.feed());
  ServeAssets(server, DashboardAssets());
}

bool IsDashboardPath(std::string_view path) {
  if (path == kEventsPath) return true;
  if (std::find(std::begin(kApiPaths), std::end(kApiPaths), path) != std::end(kApiPaths))
    return true;
  auto assets = DashboardAssets();
  return std::any_of(assets.begin(), assets.end(),
                     [&](const WebAsset& a) { return a.path == path; });
}

}  // namespace tollstream
