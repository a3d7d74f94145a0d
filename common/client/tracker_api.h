// Typed calls of the tracker's methods (api-spec/openapi.yaml) over a
// TrackerClient: each method's name and parameters are spelled here once,
// and each answer is read into a struct. An answer that lacks a field the
// caller relies on is an error (kUpstream), never a silent default.
//
// Not thread-safe, like the client it calls through.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/client/tracker_client.h"
#include "common/crypto/keys.h"
#include "common/protocol/rendition_offer.h"
#include "common/wire/json.h"

namespace tollstream {

// What closing a special address moved to its owner's ordinary address.
struct Payout {
  uint64_t paid_out = 0;
  std::string to;        // the owner's ordinary address
  uint64_t balance = 0;  // its balance afterwards
};

// A key's open special addresses, as `openAddresses` shows them.
struct OpenAddresses {
  std::optional<std::string> income;  // nullopt: none is open
  std::optional<std::string> spend;
};

// One live seller of a stream, as `lookup` lists it.
struct Listing {
  PublicKey broadcaster;
  PublicKey origin;  // the broadcaster itself, unless it is a relay
  std::string url;
  uint64_t price = 0;
  std::string income_address;
  int64_t since = 0;  // unix seconds: when first announced (0: not said)
  // The renditions it sells, the top one first (none: one quality at `price`).
  std::vector<RenditionOffer> renditions;
  bool relay() const { return origin != broadcaster; }
  // The dearest segment it sells at no more than `most`: `price`, or of
  // its renditions the dearest within `most`; nullopt when none is.
  std::optional<uint64_t> DearestWithin(uint64_t most) const;
};

// What `announce` publishes (ttl 0 withdraws).
struct AnnounceParams {
  std::string stream;
  std::string url;
  uint64_t price = 0;
  int64_t ttl = 0;
  std::optional<PublicKey> origin;  // a relay names its origin
  std::string title, description;   // the origin's, for the directory (empty: none)
  // The renditions sold, the top one first (null: one quality).
  json renditions;
};

// One live stream of the directory (`streams`).
struct StreamEntry {
  std::string stream;
  PublicKey origin;
  std::string title, description;
  uint64_t price = 0;  // the lowest of its sellers
  uint64_t sellers = 0;
  int64_t since = 0;
  uint64_t viewers = 0;  // open contracts on it now
  bool origin_live = false;

  // As `peer streams --json` prints it, with the origin's code.
  json ToJson() const;
};

// A contract as the tracker shows it.
struct ContractStatus {
  std::string state;  // "open", "closed" or "expired"
  uint64_t paid = 0;
};

// An open contract as `openContracts` lists it.
struct OpenContractEntry {
  std::string id;  // hex
  std::string stream;
  PublicKey viewer;
};

// A client of the tracker at `url` that has done its handshake. Errors: the
// handshake's, its message naming the tracker.
Result<std::unique_ptr<TrackerClient>> ConnectTracker(const std::string& url, const KeyPair& key);

class TrackerApi {
 public:
  // `client` has done its handshake and outlives this object.
  explicit TrackerApi(TrackerClient& client) : m_client(client) {}

  // The balance of any address (0 for one never seen).
  Result<uint64_t> Balance(const std::string& address);
  // What a special address holds beyond its contracts' locks.
  Result<uint64_t> Available(const std::string& address);
  // Moves `amount` from the key's ordinary address; returns the answer's result.
  Result<json> Transfer(const std::string& to, uint64_t amount);
  // Creates `amount` tokens at `to` (the tracker's own key only).
  Result<json> Mint(const std::string& to, uint64_t amount);
  // The tracker's last audit.
  Result<json> Audit();

  // The key's open income address (opened on first call).
  Result<std::string> GetIncomeAddress();
  // The key's open spend address, after `deposit` more is moved into it.
  Result<std::string> GetSpendAddress(uint64_t deposit);
  Result<Payout> CloseIncomeAddress(const std::string& address);
  Result<Payout> CloseSpendAddress(const std::string& address);
  // `owner`'s open income and spend addresses; opens none.
  Result<OpenAddresses> OpenAddressesOf(const PublicKey& owner);

  Status Announce(const AnnounceParams& params);
  // The live streams whose name or title contains `query` (empty: all), by
  // name, at most `limit`. An entry that does not parse is left out.
  Result<std::vector<StreamEntry>> Streams(const std::string& query, uint64_t limit = 500);
  // The live sellers of `stream` (of `origin`, when given). A listing that
  // does not parse is left out.
  Result<std::vector<Listing>> Lookup(const std::string& stream,
                                      const std::optional<PublicKey>& origin);
  // Opens a contract both parties signed; the whole signed answer (the
  // viewer's proof that it is open).
  Result<Response> OpenContract(const json& signed_contract);
  Result<ContractStatus> Contract(const std::string& id_hex);
  // Every open contract of `address` (a spend or income address), page by
  // page. An entry that does not parse is an error.
  Result<std::vector<OpenContractEntry>> OpenContracts(const std::string& address);
  // Closes a contract with `receipt` (null: none, nothing is paid); the
  // whole signed answer, to show a third party.
  Result<Response> CloseContract(const std::string& id_hex, const json& receipt);

 private:
  TrackerClient& m_client;
};

}  // namespace tollstream
