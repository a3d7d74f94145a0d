#include "common/client/tracker_api.h"

#include "common/wire/fields.h"

namespace tollstream {
namespace {

Error Lacks(std::string_view method, std::string_view field) {
  return MakeError(ErrorCode::kUpstream, "the tracker's answer to " + std::string(method) +
                                             " lacks " + std::string(field));
}

Result<std::string> StringField(const json& result, std::string_view method,
                                std::string_view field) {
  auto value = FindString(result, field);
  if (!value) return Lacks(method, field);
  return *value;
}

Result<uint64_t> AmountField(const json& result, std::string_view method, std::string_view field) {
  auto value = FindAmount(result, field);
  if (!value) return Lacks(method, field);
  return *value;
}

Result<Payout> ReadPayout(const Result<json>& answer, std::string_view method) {
  if (!answer) return answer.error();
  auto paid_out = AmountField(*answer, method, "paid_out");
  auto to = StringField(*answer, method, "to");
  auto balance = AmountField(*answer, method, "balance");
  if (!paid_out) return paid_out.error();
  if (!to) return to.error();
  if (!balance) return balance.error();
  return Payout{*paid_out, *to, *balance};
}

std::optional<Listing> ReadListing(const json& entry) {
  auto broadcaster = PublicKey::FromHex(FindString(entry, "broadcaster").value_or(""));
  if (!broadcaster) return std::nullopt;
  auto origin = PublicKey::FromHex(FindString(entry, "origin").value_or(broadcaster->ToHex()));
  auto url = FindString(entry, "url");
  auto price = FindAmount(entry, "price");
  auto income = FindString(entry, "income_address");
  if (!origin || !url || !price || !income) return std::nullopt;
  auto since = static_cast<int64_t>(
      std::min<uint64_t>(FindAmount(entry, "since").value_or(0), uint64_t{1} << 62));
  Listing listing{*broadcaster, *origin, *url, *price, *income, since, {}};
  // Renditions this client cannot read (a later form) are left out: the
  // seller's own `stream` answer, checked before buying, is what counts.
  if (auto list = entry.find("renditions"); list != entry.end() && list->is_array()) {
    if (auto offers = ParseRenditionOffers(*list, "renditions"))
      listing.renditions = std::move(*offers);
  }
  return listing;
}

}  // namespace

std::optional<uint64_t> Listing::DearestWithin(uint64_t most) const {
  if (renditions.empty()) return price <= most ? std::optional<uint64_t>(price) : std::nullopt;
  std::optional<uint64_t> dearest;
  for (const RenditionOffer& r : renditions) {
    if (r.price <= most && (!dearest || r.price > *dearest)) dearest = r.price;
  }
  return dearest;
}

Result<std::unique_ptr<TrackerClient>> ConnectTracker(const std::string& url, const KeyPair& key) {
  auto client = std::make_unique<TrackerClient>(url, key);
  auto hello = client->Handshake();
  if (!hello) {
    return MakeError(hello.error().code, "tracker " + url + ": " + hello.error().message);
  }
  return client;
}

Result<uint64_t> TrackerApi::Balance(const std::string& address) {
  auto answer = m_client.Call("account", {{"address", address}});
  if (!answer) return answer.error();
  return AmountField(*answer, "account", "balance");
}

Result<uint64_t> TrackerApi::Available(const std::string& address) {
  auto answer = m_client.Call("account", {{"address", address}});
  if (!answer) return answer.error();
  return AmountField(*answer, "account", "available");
}

Result<json> TrackerApi::Transfer(const std::string& to, uint64_t amount) {
  return m_client.Call("transfer", {{"to", to}, {"amount", amount}});
}

Result<json> TrackerApi::Mint(const std::string& to, uint64_t amount) {
  return m_client.Call("mint", {{"to", to}, {"amount", amount}});
}

Result<json> TrackerApi::Audit() {
  return m_client.Call("audit", json::object());
}

Result<std::string> TrackerApi::GetIncomeAddress() {
  auto answer = m_client.Call("getIncomeAddress", json::object());
  if (!answer) return answer.error();
  return StringField(*answer, "getIncomeAddress", "address");
}

Result<std::string> TrackerApi::GetSpendAddress(uint64_t deposit) {
  auto answer = m_client.Call("getSpendAddress", {{"deposit", deposit}});
  if (!answer) return answer.error();
  return StringField(*answer, "getSpendAddress", "address");
}

Result<Payout> TrackerApi::CloseIncomeAddress(const std::string& address) {
  return ReadPayout(m_client.Call("closeIncomeAddress", {{"address", address}}),
                    "closeIncomeAddress");
}

Result<Payout> TrackerApi::CloseSpendAddress(const std::string& address) {
  return ReadPayout(m_client.Call("closeSpendAddress", {{"address", address}}),
                    "closeSpendAddress");
}

Result<OpenAddresses> TrackerApi::OpenAddressesOf(const PublicKey& owner) {
  auto answer = m_client.Call("openAddresses", {{"owner", owner.ToHex()}});
  if (!answer) return answer.error();
  if (FindString(*answer, "owner") != owner.ToHex()) {
    return MakeError(ErrorCode::kUpstream,
                     "the tracker's answer to openAddresses names another key");
  }
  // Each an address, or null when none is open.
  auto open = [&](std::string_view kind) -> Result<std::optional<std::string>> {
    auto it = answer->find(kind);
    if (it != answer->end() && it->is_null()) return std::optional<std::string>();
    auto address = StringField(*answer, "openAddresses", kind);
    if (!address) return address.error();
    return std::optional<std::string>(std::move(*address));
  };
  auto income = open("income");
  if (!income) return income.error();
  auto spend = open("spend");
  if (!spend) return spend.error();
  return OpenAddresses{std::move(*income), std::move(*spend)};
}

Status TrackerApi::Announce(const AnnounceParams& p) {
  json params = {{"stream", p.stream}, {"url", p.url}, {"price", p.price}, {"ttl", p.ttl}};
  if (p.origin) params["origin"] = p.origin->ToHex();
  if (!p.title.empty()) params["title"] = p.title;
  if (!p.description.empty()) params["description"] = p.description;
  if (!p.renditions.is_null()) params["renditions"] = p.renditions;
  auto answer = m_client.Call("announce", std::move(params));
  if (!answer) return answer.error();
  return Status::Ok();
}

json StreamEntry::ToJson() const {
  return {{"stream", stream},
          {"origin", origin.ToHex()},
          {"origin_code", KeyCode(origin)},
          {"title", title},
          {"description", description},
          {"price", price},
          {"sellers", sellers},
          {"since", since},
          {"viewers", viewers},
          {"origin_live", origin_live}};
}

Result<std::vector<StreamEntry>> TrackerApi::Streams(const std::string& query, uint64_t limit) {
  json params = {{"limit", limit}};
  if (!query.empty()) params["query"] = query;
  auto answer = m_client.Call("streams", std::move(params));
  if (!answer) return answer.error();
  std::vector<StreamEntry> out;
  auto list = answer->find("streams");
  if (list == answer->end() || !list->is_array()) return out;
  for (const json& e : *list) {
    auto origin = PublicKey::FromHex(FindString(e, "origin").value_or(""));
    auto stream = FindString(e, "stream");
    if (!origin || !stream) continue;
    out.push_back({*stream, *origin, FindString(e, "title").value_or(""),
                   FindString(e, "description").value_or(""), FindAmount(e, "price").value_or(0),
                   FindAmount(e, "sellers").value_or(0),
                   static_cast<int64_t>(FindAmount(e, "since").value_or(0)),
                   FindAmount(e, "viewers").value_or(0),
                   FindBool(e, "origin_live").value_or(false)});
  }
  return out;
}

Result<std::vector<Listing>> TrackerApi::Lookup(const std::string& stream,
                                                const std::optional<PublicKey>& origin) {
  json params = {{"stream", stream}};
  if (origin) params["origin"] = origin->ToHex();
  auto answer = m_client.Call("lookup", std::move(params));
  if (!answer) return answer.error();
  std::vector<Listing> listings;
  auto list = answer->find("broadcasters");
  if (list == answer->end() || !list->is_array()) return listings;
  for (const auto& entry : *list) {
    if (auto listing = ReadListing(entry)) listings.push_back(std::move(*listing));
  }
  return listings;
}

Result<Response> TrackerApi::OpenContract(const json& signed_contract) {
  return m_client.CallForAnswer("openContract", {{"contract", signed_contract}});
}

Result<ContractStatus> TrackerApi::Contract(const std::string& id_hex) {
  auto answer = m_client.Call("contract", {{"id", id_hex}});
  if (!answer) return answer.error();
  auto state = StringField(*answer, "contract", "state");
  if (!state) return state.error();
  return ContractStatus{*state, FindAmount(*answer, "paid").value_or(0)};
}

Result<std::vector<OpenContractEntry>> TrackerApi::OpenContracts(const std::string& address) {
  std::vector<OpenContractEntry> out;
  json params = {{"address", address}, {"limit", 500}};
  for (;;) {
    auto answer = m_client.Call("openContracts", params);
    if (!answer) return answer.error();
    const json* list = answer->contains("contracts") ? &(*answer)["contracts"] : nullptr;
    if (list == nullptr || !list->is_array()) {
      return MakeError(ErrorCode::kUpstream, "openContracts: the answer has no contracts list");
    }
    for (const json& c : *list) {
      auto id = FindString(c, "id");
      auto stream = FindString(c, "stream");
      auto viewer = PublicKey::FromHex(FindString(c, "viewer").value_or(""));
      if (!id || !stream || !viewer) {
        return MakeError(ErrorCode::kUpstream, "openContracts: an entry does not parse");
      }
      out.push_back({*id, *stream, *viewer});
    }
    auto next = FindString(*answer, "next");
    if (!next) return out;
    params["after"] = *next;
  }
}

Result<Response> TrackerApi::CloseContract(const std::string& id_hex, const json& receipt) {
  json params = {{"contract", id_hex}};
  if (!receipt.is_null()) params["receipt"] = receipt;
  return m_client.CallForAnswer("closeContract", std::move(params));
}

}  // namespace tollstream
