#include "peer/wallet_cli.h"

#include <iostream>
#include <string>

#include "common/cli/args.h"
#include "common/cli/key_file.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "common/wire/json.h"
#include "peer/node/console.h"

namespace tollstream {
namespace {

using ::tollstream::Fail;  // peer/node/console.h

int Fail(const Error& e) {
  return Fail(e.message);
}

// A refusal by the tracker, with its code: "insufficient_funds: ...".
Error Refusal(const Error& e) {
  return MakeError(e.code, std::string(CodeName(e.code)) + ": " + e.message);
}

int Refused(const Error& e) {
  return Fail(Refusal(e));
}

// Closes the key's spend and income addresses, moving what they hold to its
// ordinary address; how much moved.
Result<uint64_t> Reclaim(TrackerApi& tracker) {
  auto spend = tracker.GetSpendAddress(0);
  if (!spend) return spend.error();
  auto refunded = tracker.CloseSpendAddress(*spend);
  if (!refunded) return Refusal(refunded.error());
  auto income = tracker.GetIncomeAddress();
  if (!income) return income.error();
  auto paid = tracker.CloseIncomeAddress(*income);
  if (!paid) return Refusal(paid.error());
  return refunded->paid_out + paid->paid_out;
}

}  // namespace

int WalletCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"tracker", "key", "to", "amount"}, {"json"});
  if (!args) return Fail(args.error());
  auto url = args->Require("tracker");
  auto key_path = args->Require("key");
  if (!url) return Fail(url.error());
  if (!key_path) return Fail(key_path.error());
  if (args->positional().size() != 1) return Fail("say balance or transfer (see --help)");
  auto key = LoadKeyFile(*key_path);
  if (!key) return Fail(key.error());
  auto client = ConnectTracker(*url, *key);
  if (!client) return Fail(client.error());
  TrackerApi tracker(**client);
  std::string address = AddressOf(key->public_key());
  const std::string& action = args->positional()[0];
  if (action == "balance") {
    auto balance = tracker.Balance(address);
    if (!balance) return Fail(balance.error());
    if (args->Has("json")) {
      std::cout << json{{"address", address}, {"balance", *balance}}.dump() << std::endl;
    } else {
      std::cout << "address " << address << " balance " << *balance << std::endl;
    }
    return 0;
  }
  if (action == "transfer") {
    auto to = args->Require("to");
    auto amount = args->Integer("amount", -1, 1, int64_t{1} << 53);
    if (!to) return Fail(to.error());
    if (!amount) return Fail(amount.error());
    if (*amount < 0) return Fail("--amount is required");
    auto moved = tracker.Transfer(*to, static_cast<uint64_t>(*amount));
    if (!moved) return Refused(moved.error());
    std::cout << moved->dump() << std::endl;
    return 0;
  }
  if (action == "reclaim") {
    auto moved = Reclaim(tracker);
    if (!moved) return Fail(moved.error());
    auto balance = tracker.Balance(address);
    if (!balance) return Fail(balance.error());
    std::cout << "reclaimed " << *moved << "; address " << address << " balance " << *balance
              << std::endl;
    return 0;
  }
  return Fail("unknown wallet action '" + action + "' (see --help)");
}

}  // namespace tollstream
