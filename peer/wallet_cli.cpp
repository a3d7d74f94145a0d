#include "peer/wallet_cli.h"

#include <httplib.h>

#include <iostream>
#include <optional>
#include <string>

#include "common/cli/args.h"
#include "common/cli/key_file.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "common/protocol/address_text.h"
#include "common/wire/json.h"
#include "peer/node/console.h"

namespace tollstream {
namespace {

// A refusal by the tracker, with its code: "insufficient_funds: ...".
Error Refusal(const Error& e) {
  return MakeError(e.code, std::string(CodeName(e.code)) + ": " + e.message);
}

int Refused(const Error& e) {
  return Fail(Refusal(e));
}

// Closes the key's open spend and income addresses (opening none), moving
// what they hold to its ordinary address; how much moved.
Result<uint64_t> Reclaim(TrackerApi& tracker, const PublicKey& owner) {
  auto open = tracker.OpenAddressesOf(owner);
  if (!open) return open.error();
  uint64_t moved = 0;
  if (open->spend) {
    auto refunded = tracker.CloseSpendAddress(*open->spend);
    if (!refunded) return Refusal(refunded.error());
    moved += refunded->paid_out;
  }
  if (open->income) {
    auto paid = tracker.CloseIncomeAddress(*open->income);
    if (!paid) return Refusal(paid.error());
    moved += paid->paid_out;
  }
  return moved;
}

// peer wallet address: the key's forms, offline.
int PrintAddress(const Args& args) {
  auto key_path = args.Require("key");
  if (!key_path) return Fail(key_path.error());
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());
  std::cout << KeyLines(key->public_key());
  return 0;
}

// peer wallet topup: adds to the budget of a receiving node running here,
// as its page's button does (POST /api/top-up).
int TopUp(const Args& args) {
  auto node = args.Require("node");
  auto amount = args.Integer("amount", -1, 1, int64_t{1} << 53);
  if (!node) return Fail(node.error());
  if (!amount) return Fail(amount.error());
  if (*amount < 0) return Fail("--amount is required");
  std::string base = *node;
  while (base.ends_with("/")) base.pop_back();
  httplib::Client http(base);
  http.set_connection_timeout(5);
  http.set_read_timeout(30);
  auto res = http.Post("/api/top-up", {{"X-Tollstream-Control", "1"}},
                       json{{"amount", *amount}}.dump(), "application/json");
  if (!res) return Fail("no answer from the node at " + base + " (is `peer watch` running there?)");
  json body = json::parse(res->body, nullptr, false);
  if (res->status != 200) {
    bool explained = body.is_object() && body.contains("error") && body["error"].is_object();
    return Fail("the node refused: " + (explained ? body["error"].value("message", res->body)
                                                  : std::to_string(res->status)));
  }
  if (!body.is_object()) return Fail("the node answered what is not its figures");
  std::cout << "budget " << body.value("budget", uint64_t{0}) << ", left "
            << body.value("budget_left", uint64_t{0}) << std::endl;
  return 0;
}

// The actions that ask the tracker, signed with the key.
int TrackerAction(const Args& args, const std::string& action) {
  auto url = args.Require("tracker");
  auto key_path = args.Require("key");
  if (!url) return Fail(url.error());
  if (!key_path) return Fail(key_path.error());
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());
  std::optional<std::string> to;
  if (action == "transfer") {  // checked before anything is sent
    auto given = args.Require("to");
    if (!given) return Fail(given.error());
    auto parsed = ParseAddressText(*given);
    if (!parsed) return Fail("--to: " + parsed.error().message);
    to = *parsed;
  }
  auto amount = args.Integer("amount", -1, 1, int64_t{1} << 53);
  if (!amount) return Fail(amount.error());
  if (to && *amount < 0) return Fail("--amount is required");
  auto client = ConnectTracker(*url, *key);
  if (!client) return Fail(client.error());
  TrackerApi tracker(**client);
  std::string address = AddressOf(key->public_key());
  if (to) {
    auto moved = tracker.Transfer(*to, static_cast<uint64_t>(*amount));
    if (!moved) return Refused(moved.error());
    std::cout << moved->dump() << std::endl;
    return 0;
  }
  std::optional<uint64_t> moved;
  if (action == "reclaim") {
    auto reclaimed = Reclaim(tracker, key->public_key());
    if (!reclaimed) return Fail(reclaimed.error());
    moved = *reclaimed;
  }
  auto balance = tracker.Balance(address);
  if (!balance) return Fail(balance.error());
  if (args.Has("json")) {
    json out = {
        {"address", address}, {"address_text", AddressText(address)}, {"balance", *balance}};
    if (moved) out["reclaimed"] = *moved;
    std::cout << out.dump() << std::endl;
    return 0;
  }
  if (moved) std::cout << "reclaimed " << *moved << "; ";
  std::cout << "address " << AddressText(address) << " balance " << *balance << std::endl;
  return 0;
}

}  // namespace

int WalletCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"tracker", "key", "to", "amount", "node"}, {"json"});
  if (!args) return Fail(args.error());
  if (args->positional().size() != 1) {
    return Fail("say address, balance, transfer, reclaim or topup (see --help)");
  }
  const std::string& action = args->positional()[0];
  if (action == "address") return PrintAddress(*args);
  if (action == "topup") return TopUp(*args);
  if (action == "balance" || action == "transfer" || action == "reclaim") {
    return TrackerAction(*args, action);
  }
  return Fail("unknown wallet action '" + action + "' (see --help)");
}

}  // namespace tollstream
