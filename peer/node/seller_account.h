// What a selling node (a broadcaster, or a relay) holds before it sells and
// settles when it stops: a tracker client, its open income address, and its
// store of contracts and their last receipts.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "common/base/result.h"
#include "common/client/tracker_client.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/receipt_store.h"

namespace tollstream {

// How long a stopping node waits for the receipts of segments it delivered:
// a viewer sends its receipt as soon as a segment arrives.
inline constexpr std::chrono::milliseconds kStopGrace{3000};

struct SellerAccount {
  std::unique_ptr<TrackerClient> tracker;  // handed to the Broadcaster that sells
  std::string income_address;
  std::unique_ptr<ReceiptStore> store;

  // Connects to the tracker, opens (or finds) the key's income address and
  // the store in `state_dir`. Errors name what failed.
  static Result<SellerAccount> Open(const std::string& tracker_url, const KeyPair& key,
                                    const std::string& state_dir);

  // Settles `seller` as its node stops: no new offers taken, then
  // `withdraw` (its announcement), then the viewers' receipts for segments already delivered
  // awaited (at most kStopGrace, see Broadcaster::Drain), then every contract closed with its last
  // receipt, then its income paid out. Prints the outcome, each line after `prefix`; false when the
  // income stays put.
  bool Settle(Broadcaster& seller, const std::string& prefix,
              const std::function<void()>& withdraw) const;
};

}  // namespace tollstream
