// The operator's dashboard of a real tracker process, over plain HTTP GET:
// the JSON API pages the ledger (every item once, whatever the page size),
// refuses bad parameters with 400 and changes nothing; the page and its
// assets are served with their content types and no inline code; the event
// stream sends a new state after a change; the audit state shows.
#include <doctest/doctest.h>
#include <httplib.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "common/base/clock.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {
namespace {

using namespace std::chrono_literals;

struct Got {
  int status = 0;
  std::string content_type;
  json body;
};

Got Get(TrackerFixture& t, const std::string& path) {
  httplib::Client http(t.url());
  auto res = http.Get(path.c_str());
  REQUIRE_MESSAGE(res, path);
  Got got{res->status, res->get_header_value("Content-Type"), json()};
  got.body = json::parse(res->body, nullptr, false);
  return got;
}

json Ok(TrackerFixture& t, const std::string& path) {
  Got got = Get(t, path);
  REQUIRE_MESSAGE(got.status == 200, path, " ", got.body.dump());
  CHECK(got.content_type == "application/json");
  return got.body;
}

// Every item of a paged route, following `next`; checks each cursor.
std::vector<json> AllPages(TrackerFixture& t, const std::string& path, const char* items,
                           size_t limit) {
  std::vector<json> all;
  std::string after;
  char sep = path.find('?') == std::string::npos ? '?' : '&';
  for (int pages = 0; pages < 1000; ++pages) {
    std::string query =
        path + sep + "limit=" + std::to_string(limit) + (after.empty() ? "" : "&after=" + after);
    json page = Ok(t, query);
    REQUIRE(page[items].size() <= limit);
    for (const auto& item : page[items]) all.push_back(item);
    if (page["next"].is_null()) return all;
    after = page["next"];
  }
  FAIL("the pages never end");
  return all;
}

std::multiset<std::string> Ids(const std::vector<json>& items, const char* field) {
  std::multiset<std::string> out;
  for (const auto& item : items) out.insert(item[field].get<std::string>());
  return out;
}

// A small ledger made through the signed API: two viewers, a broadcaster, an
// ordinary address that only received, five contracts of which one closed
// with a receipt and one without.
struct SmallLedger {
  Party b, c1, c2;
  std::string outsider = AddressOf(KeyPair::Generate().public_key());
  std::string income, spend1, spend2;
  std::vector<Contract> contracts;  // 0 closed paid, 3 closed unpaid, 1 2 4 open

  explicit SmallLedger(TrackerFixture& t) {
    b.client = t.NewClient(b.key);
    c1.client = t.NewClient(c1.key);
    c2.client = t.NewClient(c2.key);
    t.Mint(c1.address(), 1000);
    t.Mint(c2.address(), 1000);
    REQUIRE(c1.client->Call("transfer", {{"to", outsider}, {"amount", 10}}).ok());
    income = (*b.client->Call("getIncomeAddress", json::object()))["address"];
    spend1 = (*c1.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
    spend2 = (*c2.client->Call("getSpendAddress", {{"deposit", 500}}))["address"];
    PublicKey tracker = t.tracker_key().public_key();
    for (int i = 0; i < 5; ++i) {
      const Party& viewer = i < 3 ? c1 : c2;
      const std::string& spend = i < 3 ? spend1 : spend2;
      contracts.push_back(
          SignedContract(viewer, b, tracker, spend, income, 2, 10, UnixNow() + 600 + i));
      auto opened = b.client->Call("openContract", {{"contract", contracts.back().ToJson()}});
      REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    }
    Receipt r = SignedReceipt(c1, contracts[0], 3, 3000);
    REQUIRE(
        b.client
            ->Call("closeContract", {{"contract", ToHex(contracts[0].id)}, {"receipt", r.ToJson()}})
            .ok());
    REQUIRE(b.client->Call("closeContract", {{"contract", ToHex(contracts[3].id)}}).ok());
  }

  std::multiset<std::string> AllIds() const {
    std::multiset<std::string> out;
    for (const auto& k : contracts) out.insert(ToHex(k.id));
    return out;
  }
  std::multiset<std::string> OpenIds() const {
    return {ToHex(contracts[1].id), ToHex(contracts[2].id), ToHex(contracts[4].id)};
  }
  std::multiset<std::string> Addresses() const {
    return {c1.address(), c2.address(), outsider, income, spend1, spend2};
  }
};

// Reads the "state" events of /dashboard/events until the tracker stops.
class StateReader {
 public:
  explicit StateReader(const std::string& url) {
    m_thread = std::thread([this, url] {
      httplib::Client http(url);
      http.set_read_timeout(30, 0);
      http.Get("/dashboard/events", [this](const char* data, size_t n) {
        std::lock_guard lock(m_mutex);
        m_buffer.append(data, n);
        for (size_t end; (end = m_buffer.find("\n\n")) != std::string::npos;
             m_buffer.erase(0, end + 2)) {
          std::string frame = m_buffer.substr(0, end);
          if (frame.find("event: state\n") == std::string::npos) continue;
          m_states.push_back(json::parse(frame.substr(frame.find("data: ") + 6)));
        }
        m_changed.notify_all();
        return true;
      });
    });
  }
  ~StateReader() {
    if (m_thread.joinable()) m_thread.join();
  }

  // The first state received (after `seen` of them) for which `want` holds.
  std::optional<json> WaitFor(const std::function<bool(const json&)>& want) {
    std::unique_lock lock(m_mutex);
    std::optional<json> found;
    m_changed.wait_for(lock, 10s, [&] {
      for (const auto& s : m_states) {
        if (want(s)) {
          found = s;
          return true;
        }
      }
      return false;
    });
    return found;
  }
  void Join() { m_thread.join(); }

 private:
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::string m_buffer;
  std::vector<json> m_states;
  std::thread m_thread;
};

}  // namespace

TEST_CASE("the JSON API pages accounts and contracts, each item exactly once") {
  TrackerFixture t;
  SmallLedger l(t);
  for (size_t limit : {1, 2, 500}) {
    CAPTURE(limit);
    auto accounts = AllPages(t, "/dashboard/api/accounts", "accounts", limit);
    CHECK(Ids(accounts, "address") == l.Addresses());
    auto all = AllPages(t, "/dashboard/api/contracts?state=all", "contracts", limit);
    CHECK(Ids(all, "id") == l.AllIds());
    auto open = AllPages(t, "/dashboard/api/contracts?state=open", "contracts", limit);
    CHECK(Ids(open, "id") == l.OpenIds());
    for (const auto& c : open) CHECK(c["state"] == "open");
  }
  // The default filter is all, the default page 50.
  json first = Ok(t, "/dashboard/api/contracts");
  CHECK(first["state"] == "all");
  CHECK(first["contracts"].size() == 5);
  CHECK(first["next"].is_null());

  json paid = Ok(t, "/dashboard/api/contract?id=" + ToHex(l.contracts[0].id));
  CHECK(paid["state"] == "closed");
  CHECK(paid["paid"] == 6);
  CHECK(paid["segments"] == 3);
  CHECK(paid["bytes"] == 3000);
  CHECK(paid["price"] == 2);
  CHECK(paid["max_segments"] == 10);
  CHECK(paid["viewer"] == l.c1.key.public_key().ToHex());
  CHECK(paid["broadcaster"] == l.b.key.public_key().ToHex());
  CHECK(paid["stream"] == "news");
  json unpaid = Ok(t, "/dashboard/api/contract?id=" + ToHex(l.contracts[3].id));
  CHECK(unpaid["state"] == "closed");
  CHECK(unpaid["paid"] == 0);

  Got absent = Get(t, "/dashboard/api/contract?id=" + std::string(64, '0'));
  CHECK(absent.status == 404);
  CHECK(absent.content_type == "application/json");
  CHECK(absent.body["error"]["code"] == "not_found");

  // Public data only: no nonce, signature or stored answer anywhere.
  std::string everything = Ok(t, "/dashboard/api/contracts?limit=500").dump() +
                           Ok(t, "/dashboard/api/accounts?limit=500").dump() +
                           Ok(t, "/dashboard/api/summary").dump();
  for (const auto& k : l.contracts) CHECK(everything.find(k.terms.nonce) == std::string::npos);
  CHECK(everything.find("sig") == std::string::npos);
  CHECK(everything.find("nonce") == std::string::npos);

  json summary = Ok(t, "/dashboard/api/summary");
  CHECK(summary["ledger"]["minted"] == 2000);
  CHECK(summary["ledger"]["contracts_opened"] == 5);
  CHECK(summary["ledger"]["contracts_closed"] == 2);
  CHECK(summary["ledger"]["contracts_open"] == 3);
  CHECK(summary["ledger"]["paid"] == 6);
  CHECK(summary["ledger"]["segments"] == 3);
  CHECK(summary["tracker"]["pubkey"] == t.tracker_key().public_key().ToHex());
}

TEST_CASE("bad parameters get 400 with a JSON error, and change nothing") {
  TrackerFixture t;
  SmallLedger l(t);
  json before = Ok(t, "/dashboard/api/summary")["ledger"];
  json accounts_before = Ok(t, "/dashboard/api/accounts?limit=500");
  std::string id = ToHex(l.contracts[1].id);
  const char* bad[] = {
      "/dashboard/api/accounts?limit=0",
      "/dashboard/api/accounts?limit=501",
      "/dashboard/api/accounts?limit=abc",
      "/dashboard/api/accounts?limit=-1",
      "/dashboard/api/accounts?limit=1.5",
      "/dashboard/api/accounts?limit=",
      "/dashboard/api/accounts?limit=99999999999999999999",
      "/dashboard/api/accounts?after=xyz",
      "/dashboard/api/accounts?after="
      "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
      "/dashboard/api/accounts?limit=1&limit=2",
      "/dashboard/api/accounts?admin=1",
      "/dashboard/api/contracts?state=closed",
      "/dashboard/api/contracts?state=",
      "/dashboard/api/contracts?after=123",
      "/dashboard/api/contracts?state=open&after="
      "0000000000000000000000000000000000000000000000000000000000000000",
      "/dashboard/api/contracts?limit=1000",
      "/dashboard/api/contract",
      "/dashboard/api/contract?id=",
      "/dashboard/api/contract?id=12",
      "/dashboard/api/contract?contract=x",
      "/dashboard/api/streams?limit=0",
      "/dashboard/api/summary?x=1",
  };
  for (const char* path : bad) {
    CAPTURE(path);
    Got got = Get(t, path);
    CHECK(got.status == 400);
    CHECK(got.content_type == "application/json");
    REQUIRE(got.body.is_object());
    CHECK(got.body["error"]["code"] == "invalid_field");
    CHECK(!got.body["error"]["message"].get<std::string>().empty());
  }
  // The same with a good parameter passes.
  CHECK(Get(t, "/dashboard/api/contracts?state=open&after=" + id).status == 200);
  CHECK(Ok(t, "/dashboard/api/summary")["ledger"] == before);
  CHECK(Ok(t, "/dashboard/api/accounts?limit=500") == accounts_before);
  auto [audit_status, audit_out] = t.Audit(/*running=*/true);
  CHECK(audit_status == 0);
}

TEST_CASE("the page and its assets are served with their content types, no inline code") {
  TrackerFixture t;
  httplib::Client http(t.url());
  struct Asset {
    const char* path;
    const char* type;
  };
  for (const Asset& a : {Asset{"/dashboard", "text/html; charset=utf-8"},
                         Asset{"/dashboard/dashboard.js", "text/javascript; charset=utf-8"},
                         Asset{"/dashboard/history.js", "text/javascript; charset=utf-8"},
                         Asset{"/dashboard/dashboard.css", "text/css; charset=utf-8"},
                         Asset{"/dashboard/style.css", "text/css; charset=utf-8"}}) {
    CAPTURE(a.path);
    auto res = http.Get(a.path);
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == a.type);
    CHECK(res->get_header_value("Content-Security-Policy").find("default-src 'self'") !=
          std::string::npos);
    CHECK(!res->body.empty());
  }
  auto page = http.Get("/dashboard");
  REQUIRE(page);
  const std::string& html = page->body;
  CHECK(html.find("<script src=\"/dashboard/dashboard.js\"") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("<style") == std::string::npos);
  CHECK(html.find(" style=") == std::string::npos);
  CHECK(html.find(" onclick=") == std::string::npos);
  auto script = http.Get("/dashboard/dashboard.js");
  REQUIRE(script);
  CHECK(script->body.find("new EventSource('/dashboard/events')") != std::string::npos);
  CHECK(script->body.find("setInterval") == std::string::npos);  // live by events, never polled
  CHECK(script->body.find("innerHTML") == std::string::npos);    // values are written as text
  // An unknown path under /dashboard is the tracker's signed 404.
  auto missing = http.Get("/dashboard/nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
}

TEST_CASE(
    "the event stream sends the state, and a new one after a mint; it ends when the tracker "
    "stops") {
  TrackerFixture t;
  std::string someone = AddressOf(KeyPair::Generate().public_key());
  StateReader reader(t.url());
  auto first = reader.WaitFor([](const json&) { return true; });
  REQUIRE(first);
  CHECK((*first)["summary"]["ledger"]["minted"] == 0);
  CHECK((*first)["streams"]["list"].is_array());
  t.Mint(someone, 77);
  auto after = reader.WaitFor([](const json& s) { return s["summary"]["ledger"]["minted"] == 77; });
  REQUIRE(after);
  CHECK((*after)["summary"]["ledger"]["journal_entries"] == 1);

  // A live stream shows in the state and in the API.
  Party b;
  b.client = t.NewClient(b.key);
  REQUIRE(b.client->Call("getIncomeAddress", json::object()).ok());
  REQUIRE(
      b.client
          ->Call("announce",
                 {{"stream", "news.en"}, {"url", "http://127.0.0.1:9"}, {"price", 3}, {"ttl", 60}})
          .ok());
  auto live = reader.WaitFor([](const json& s) { return s["streams"]["announcements"] == 1; });
  REQUIRE(live);
  CHECK((*live)["summary"]["live"]["streams"] == 1);
  json streams = Ok(t, "/dashboard/api/streams?limit=5");
  REQUIRE(streams["list"].size() == 1);
  CHECK(streams["list"][0]["stream"] == "news.en");
  CHECK(streams["list"][0]["broadcaster"] == b.key.public_key().ToHex());
  CHECK(streams["list"][0]["price"] == 3);
  CHECK(streams["broadcasters"] == 1);

  auto begin = std::chrono::steady_clock::now();
  CHECK(t.Stop() == 0);
  reader.Join();  // the stream ended with the tracker
  CHECK(std::chrono::steady_clock::now() - begin < 10s);
}

TEST_CASE("the audit state: at start, on request, on schedule") {
  SUBCASE("at start, then the requested one") {
    TrackerFixture t;
    json audit;
    for (int i = 0; i < 100 && audit.is_null(); ++i) {
      audit = Ok(t, "/dashboard/api/summary")["audit"]["last"];
      if (audit.is_null()) std::this_thread::sleep_for(50ms);
    }
    REQUIRE(audit.is_object());
    CHECK(audit["trigger"] == "start");
    CHECK(audit["ok"] == true);
    CHECK(audit["report"]["ok"] == true);
    CHECK(audit["seconds"].get<double>() >= 0);
    t.Mint(AddressOf(KeyPair::Generate().public_key()), 5);
    REQUIRE(t.Audit(/*running=*/true).first == 0);
    json requested = Ok(t, "/dashboard/api/summary")["audit"]["last"];
    CHECK(requested["trigger"] == "request");
    CHECK(requested["report"]["minted"] == 5);
    CHECK(requested["started"].get<int64_t>() >= audit["started"].get<int64_t>());
  }
  SUBCASE("every --audit-interval seconds") {
    TrackerFixture t({"--audit-interval", "1"});
    json audit;
    for (int i = 0; i < 200; ++i) {
      audit = Ok(t, "/dashboard/api/summary")["audit"]["last"];
      if (audit.is_object() && audit["trigger"] == "schedule") break;
      std::this_thread::sleep_for(50ms);
    }
    CHECK(audit["trigger"] == "schedule");
    CHECK(audit["ok"] == true);
  }
  SUBCASE("a bad interval is refused; --help tells of it") {
    auto [status, out] = RunCommand({BinaryPath("tracker"), "run", "--data-dir", "/nonexistent/x",
                                     "--listen", "127.0.0.1:0", "--audit-interval", "-1"});
    CHECK(status == 2);
    auto [help_status, help] = RunCommand({BinaryPath("tracker"), "run", "--help"});
    CHECK(help_status == 0);
    CHECK(help.find("--audit-interval") != std::string::npos);
  }
}

}  // namespace tollstream::test
