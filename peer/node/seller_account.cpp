#include "peer/node/seller_account.h"

#include "common/client/tracker_api.h"
#include "peer/node/console.h"

namespace tollstream {

Result<SellerAccount> SellerAccount::Open(const std::string& url, const KeyPair& key,
                                          const std::string& state_dir) {
  auto tracker = ConnectTracker(url, key);
  if (!tracker) return tracker.error();
  auto income = TrackerApi(**tracker).GetIncomeAddress();
  if (!income) {
    return MakeError(income.error().code, "getIncomeAddress: " + income.error().message);
  }
  auto store = ReceiptStore::Open(state_dir);
  if (!store) {
    return MakeError(store.error().code,
                     store.error().message + " (is another node using " + state_dir + "?)");
  }
  return SellerAccount{std::move(*tracker), *income, std::move(*store)};
}

bool SellerAccount::Settle(Broadcaster& seller, const std::string& prefix,
                           const std::function<void()>& withdraw) const {
  // Refusing offers first: a viewer that still finds the announcement
  // while it is withdrawn is told the node is stopping.
  seller.BeginStop();
  withdraw();
  if (size_t owing = seller.Drain(kStopGrace); owing > 0) {
    Say(prefix + std::to_string(owing) + " viewers did not pay their last segment within " +
        std::to_string(kStopGrace.count() / 1000) + " s; closing at their last receipt");
  }
  seller.CloseAll("the node stopped");
  auto totals = seller.totals();
  auto paid_out = seller.WithTracker(
      [&](TrackerClient& c) { return TrackerApi(c).CloseIncomeAddress(income_address); });
  if (!paid_out) {
    Say(prefix + "income stays at " + income_address + ": " + paid_out.error().message);
    return false;
  }
  Say(prefix + "settled: earned " + std::to_string(totals.earned) + " for " +
      std::to_string(totals.segments_paid) + " segments in " + std::to_string(totals.contracts) +
      " contracts; paid out " + std::to_string(paid_out->paid_out) + " to " + paid_out->to +
      ", balance " + std::to_string(paid_out->balance));
  return true;
}

}  // namespace tollstream
