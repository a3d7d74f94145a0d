#include <algorithm>
#include <optional>

#include "common/protocol/contract.h"
#include "common/protocol/rendition_offer.h"
#include "common/wire/fields.h"
#include "tracker/ledger_pages.h"
#include "tracker/methods/methods.h"

namespace tollstream {
namespace {

constexpr int64_t kMinTtl = 5;
constexpr int64_t kMaxTtl = 3600;
constexpr uint64_t kDefaultDirectorySize = 100;
constexpr uint64_t kMaxDirectorySize = 500;
// A listing counts viewers among this many open contracts at most, over all
// its entries: its cost is bounded however many contracts are open.
constexpr uint64_t kMostContractsWalked = 10000;

// Whether `text` holds a byte below 0x20, or DEL: a title shown in a
// terminal must not move the cursor or print lines of its own.
bool HasControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsHttpUrl(std::string_view url) {
  return url.substr(0, 7) == "http://" || url.substr(0, 8) == "https://";
}

// An announcement's renditions, checked: each {name, height, bitrate,
// price}, names distinct, the highest price the announced `price` (the
// announcement's order kept). Errors: kInvalidField.
Result<json> AnnouncedRenditions(const json& list, uint64_t price) {
  auto offers = ParseRenditionOffers(list, "params.renditions");
  if (!offers) return offers.error();
  json out = json::array();
  uint64_t top = 0;
  for (const RenditionOffer& offer : *offers) {
    top = std::max(top, offer.price);
    out.push_back(offer.ToJson());
  }
  if (!offers->empty() && top != price) {
    return MakeError(
        ErrorCode::kInvalidField,
        "params.price must be the highest of its renditions' prices, " + std::to_string(top));
  }
  return out;
}

// streams: the directory of live streams, by name, whose name or title
// contains `query` (without case).
void RegisterDirectory(TrackerService& service, StreamRegistry& registry) {
  LedgerStore& store = service.ledger_store();
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;
  service.AddMethod("streams", Kind::kStateless, [&](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string query = r.Has("query") ? r.String("query", 0, kMaxTitleBytes) : "";
    uint64_t limit = r.Has("limit") ? r.Amount("limit") : kDefaultDirectorySize;
    if (r.ok() && (limit == 0 || limit > kMaxDirectorySize)) {
      r.Fail("limit", "must be from 1 to " + std::to_string(kMaxDirectorySize));
    }
    if (Status s = r.Finish(); !s) return s.error();
    return Apply([&registry, &store, query, limit](LedgerTxn&, int64_t now) -> Result<json> {
      auto found = registry.Directory(now, query, static_cast<size_t>(limit));
      if (!found) return found.error();
      auto& [entries, matched] = *found;
      json list = json::array();
      uint64_t walk = kMostContractsWalked;
      for (auto& e : entries) {
        for (const auto& address : e.income_addresses) {
          auto n = store.CountOpenOnStream(address, e.stream, walk);
          if (!n) return n.error();
          e.viewers += n->on_stream;
          walk -= n->walked;
        }
        list.push_back(e.ToJson());
      }
      return json{{"streams", std::move(list)}, {"matched", matched}};
    });
  });
}

}  // namespace

void RegisterStreamMethods(TrackerService& service, StreamRegistry& registry) {
  using Apply = TrackerService::Apply;
  using Kind = TrackerService::Kind;
  Ledger& ledger = service.ledger();

  // announce: B publishes (or renews, or with ttl 0 withdraws) a stream it
  // sells, paid to its open income address: its own (no `origin`, or its
  // own key) or, as a relay, the stream of `origin`.
  service.AddMethod("announce", Kind::kRead, [&](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    Announcement a;
    a.stream = r.Name("stream");
    a.url = r.String("url", 8, 256);
    a.price = r.Amount("price");
    int64_t ttl = r.Integer("ttl", 0, kMaxTtl);
    if (r.Has("title")) a.title = r.String("title", 0, kMaxTitleBytes);
    if (r.Has("description")) a.description = r.String("description", 0, kMaxDescriptionBytes);
    if (r.ok() && HasControl(a.title)) r.Fail("title", "must not hold control characters");
    if (r.ok() && HasControl(a.description)) {
      r.Fail("description", "must not hold control characters");
    }
    if (r.Has("renditions")) {
      auto renditions = AnnouncedRenditions(r.Array("renditions", 1, kMaxRenditions), a.price);
      if (!renditions) return renditions.error();
      a.renditions = std::move(*renditions);
    }
    std::optional<PublicKey> origin = r.Has("origin") ? r.Key("origin") : req.signer;
    if (r.ok() && !IsHttpUrl(a.url)) r.Fail("url", "must start with http:// or https://");
    if (r.ok() && ttl != 0 && ttl < kMinTtl) r.Fail("ttl", "must be 0 (withdraw) or at least 5");
    if (Status s = r.Finish(); !s) return s.error();
    a.broadcaster = req.signer.ToHex();
    a.origin = origin->ToHex();
    return Apply([&registry, &ledger, a = std::move(a), ttl, signer = req.signer](
                     LedgerTxn& txn, int64_t now) mutable -> Result<json> {
      if (ttl == 0) {
        if (Status s = registry.Withdraw(a.stream, a.broadcaster); !s) return s.error();
        return json{{"stream", a.stream}, {"withdrawn", true}};
      }
      auto income = ledger.OpenSpecialAddress(txn, AccountKind::kIncome, signer);
      if (!income) return income.error();
      if (!income->has_value()) {
        return MakeError(ErrorCode::kConflict,
                         "announce needs an open income address: call getIncomeAddress first");
      }
      a.income_address = **income;
      a.expires = now + ttl;
      if (Status s = registry.Announce(a, now); !s) return s.error();
      return a.ToJson();
    });
  });

  // lookup: the live sellers of a stream (of one origin, when `origin` is
  // given), origins and relays, cheapest first. A seller whose announced
  // income address has closed since is left out.
  service.AddMethod("lookup", Kind::kRead, [&](const Request& req) -> Result<Apply> {
    ObjectReader r(req.params, "params");
    std::string stream = r.Name("stream");
    std::optional<PublicKey> origin = r.Has("origin") ? r.Key("origin") : std::nullopt;
    if (Status s = r.Finish(); !s) return s.error();
    std::string origin_hex = origin ? origin->ToHex() : "";
    return Apply(
        [&registry, &ledger, stream, origin_hex](LedgerTxn& txn, int64_t now) -> Result<json> {
          auto sellers = registry.Lookup(stream, now, origin_hex);
          if (!sellers) return sellers.error();
          json list = json::array();
          for (const auto& a : *sellers) {
            auto income = ledger.OpenSpecialAddress(txn, AccountKind::kIncome,
                                                    *PublicKey::FromHex(a.broadcaster));
            if (!income) return income.error();
            if (*income == a.income_address) list.push_back(a.ToJson());
          }
          return json{{"stream", stream}, {"broadcasters", std::move(list)}};
        });
  });
  RegisterDirectory(service, registry);
}

}  // namespace tollstream
