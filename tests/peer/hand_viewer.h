// A viewer driven by hand over the broadcaster's API, for tests of what a
// broadcaster does with whatever a viewer sends.
#pragma once

#include "peer/watch/broadcaster_client.h"
#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

struct HandViewer {
  HandViewer(TrackerFixture& t, const std::string& stream, uint64_t deposit) {
    party.client = t.NewClient(party.key);
    t.Mint(party.address(), deposit);
    tracker_key = *party.client->tracker();
    spend = (*party.client->Call("getSpendAddress", {{"deposit", deposit}}))["address"];
    auto found = party.client->Call("lookup", {{"stream", stream}});
    REQUIRE(found.ok());
    REQUIRE((*found)["broadcasters"].size() == 1);
    const json& b = (*found)["broadcasters"][0];
    broadcaster = *PublicKey::FromHex(b["broadcaster"].get<std::string>());
    income = b["income_address"];
    price = b["price"];
    node = std::make_unique<BroadcasterClient>(b["url"], party.key, tracker_key, broadcaster);
  }
  // Opens a contract for `max_segments` from segment `from`; returns its id.
  std::string Open(uint64_t max_segments, uint64_t from = 0) {
    auto opened = TryOpen(max_segments, from);
    REQUIRE_MESSAGE(opened.ok(), opened.error().message);
    return ToHex(contract.id);
  }
  // Offers a new contract; returns the seller's answer or refusal.
  Result<json> TryOpen(uint64_t max_segments, uint64_t from = 0) {
    contract.terms = ContractTerms{
        tracker_key, party.key.public_key(), broadcaster,     spend,         income, "demo",
        price,       max_segments,           UnixNow() + 600, RandomHex(16), {}};
    SignAsViewer(contract, party.key);
    auto opened = node->Offer(contract, from);
    if (!opened) return opened;
    receipt = Receipt{};
    receipt.contract = contract.id;
    receipt.viewer = party.key.public_key();
    receipt.chain = contract.id;
    SignReceipt(receipt, party.key);
    return opened;
  }
  // Asks for the next segment with `r`; returns the delivery.
  BroadcasterClient::Delivery Ask(const Receipt& r) {
    auto d = node->NextSegment(ToHex(contract.id), r);
    REQUIRE_MESSAGE(d.ok(), d.error().message);
    return *d;
  }
  // Pays for `d` in the running receipt.
  void Pay(const BroadcasterClient::Delivery& d) {
    receipt.segments += 1;
    receipt.bytes += d.bytes.size();
    receipt.amount = receipt.segments * price;
    receipt.chain = ExtendChain(receipt.chain, d.statement.sha256);
    SignReceipt(receipt, party.key);
  }
  json ContractState() { return ContractState(ToHex(contract.id)); }
  json ContractState(const std::string& id) {
    return *party.client->Call("contract", {{"id", id}});
  }

  Party party;
  PublicKey tracker_key, broadcaster;
  std::string spend, income;
  uint64_t price = 0;
  std::unique_ptr<BroadcasterClient> node;
  Contract contract;
  Receipt receipt;
};

// The state of contract `id` (default: the last opened) once it is `state`,
// or as it is after `timeout`.
inline json WaitForState(HandViewer& v, const std::string& state, std::chrono::seconds timeout,
                         std::string id = {}) {
  if (id.empty()) id = ToHex(v.contract.id);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  json c = v.ContractState(id);
  while (c["state"] != state && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);
    c = v.ContractState(id);
  }
  return c;
}

}  // namespace tollstream::test
