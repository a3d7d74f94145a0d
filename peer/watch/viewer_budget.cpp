// The viewer's budget: what is left of it, top-ups, the wait for one, and
// the deposit of each contract within it.
#include <algorithm>

#include "common/base/amount.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "peer/watch/viewer.h"
#include "peer/watch/viewer_buying.h"

namespace tollstream {

uint64_t Viewer::BudgetLeft() const {
  std::lock_guard lock(m_mutex);
  return m_figures.budget - m_figures.spent;
}

namespace {

Status CheckTopUpAmount(uint64_t amount) {
  if (amount == 0 || amount > kMaxAmount) {
    return MakeError(ErrorCode::kInvalidField, "amount: a whole number of tokens from 1 to 2^53-1");
  }
  return Status::Ok();
}

}  // namespace

Result<uint64_t> Viewer::OrdinaryBalance(const std::string& tracker_url, const KeyPair& key) {
  TrackerClient tracker(tracker_url, key);
  if (auto hello = tracker.Handshake(); !hello) return hello.error();
  return TrackerApi(tracker).Balance(AddressOf(key.public_key()));
}

Result<json> Viewer::TopUp(uint64_t amount) {
  if (Status valid = CheckTopUpAmount(amount); !valid) return valid.error();
  // What the budget has yet to deposit comes from the ordinary address. It
  // is read before the balance: a deposit between the two reads then makes
  // the check stricter, never looser.
  uint64_t undeposited = Undeposited();
  auto balance = OrdinaryBalance(m_config.tracker_url, m_key);
  if (!balance) return balance.error();
  return TopUp(amount, *balance, undeposited);
}

Result<json> Viewer::TopUp(uint64_t amount, uint64_t balance, uint64_t undeposited) {
  if (Status valid = CheckTopUpAmount(amount); !valid) return valid.error();
  std::unique_lock lock(m_mutex);
  if (m_finished) return MakeError(ErrorCode::kConflict, "the viewer has stopped buying");
  if (m_figures.budget > kMaxAmount - amount) {
    return MakeError(ErrorCode::kInvalidField, "the budget would pass 2^53-1 tokens");
  }
  uint64_t to_deposit = std::max(UndepositedLocked(), undeposited) + amount;
  if (balance < to_deposit) {
    return MakeError(ErrorCode::kInsufficientFunds, "the address holds " + std::to_string(balance) +
                                                        " tokens; the budget would need " +
                                                        std::to_string(to_deposit) +
                                                        " more from it");
  }
  m_figures.budget += amount;
  m_figures.balance = balance;
  json state = m_figures.ToJson();
  lock.unlock();
  m_topped_up.notify_all();
  if (m_config.feed) m_config.feed->SetState(state);
  Event("budget topped up by " + std::to_string(amount) + " to " +
        std::to_string(state["budget"].get<uint64_t>()));
  return state;
}

uint64_t Viewer::Undeposited() const {
  std::lock_guard lock(m_mutex);
  return UndepositedLocked();
}

uint64_t Viewer::UndepositedLocked() const {
  uint64_t left = m_figures.budget - m_figures.spent;
  return left - std::min(left, m_in_spend);
}

bool Viewer::WaitForTopUp(uint64_t needed, const std::atomic<bool>& stop) {
  if (!m_config.wait_for_top_up) return false;
  // The state first: whoever hears the alert finds the node waiting.
  Update([](ViewerFigures& f) { f.state = "waiting-top-up"; });
  Alert("the budget is spent: top up to keep watching");
  std::unique_lock lock(m_mutex);
  while (!stop && m_figures.budget - m_figures.spent < needed) {
    m_topped_up.wait_for(lock, std::chrono::milliseconds(200));
  }
  if (stop) return true;
  m_figures.state = "opening";  // no longer waiting, from the same instant
  json state = m_figures.ToJson();
  lock.unlock();
  if (m_config.feed) m_config.feed->SetState(std::move(state));
  return true;
}

Error Viewer::NotEnoughTokens(Buying& b, uint64_t deposit) {
  std::string address = AddressOf(m_key.public_key());
  auto balance = TrackerApi(b.tracker).Balance(address);
  return MakeError(ErrorCode::kInsufficientFunds,
                   "the first contract's deposit of " + std::to_string(deposit) +
                       " is more than the balance of " +
                       (balance ? std::to_string(*balance) : std::string("this key")) + " at " +
                       address +
                       ": get tokens by a transfer to that address (`peer wallet transfer` from "
                       "another key) or from the tracker's operator (`tracker mint`), or lower "
                       "--budget");
}

Result<uint64_t> Viewer::Deposit(Buying& b, Purchase& purchase, uint64_t max_segments) {
  uint64_t price = b.price;
  Status deposited = purchase.Deposit(price * (max_segments + 1));  // the lock and the charge
  if (deposited) return max_segments;
  if (deposited.error().code != ErrorCode::kInsufficientFunds) return deposited.error();
  if (b.first) return NotEnoughTokens(b, price * (max_segments + 1));
  // A deposit locked by a source that died with its contract open is not
  // back yet: a smaller contract, within what the address holds (and, when
  // shared, what the spend address holds free).
  auto balance = TrackerApi(b.tracker).Balance(AddressOf(m_key.public_key()));
  if (!balance) return deposited.error();
  uint64_t can = *balance + purchase.shared_free();
  uint64_t fits = ContractSegments(std::min(can, BudgetLeft()), price, max_segments);
  if (fits == 0) return deposited.error();
  if (Status smaller = purchase.Deposit(price * (fits + 1)); !smaller) return smaller.error();
  return fits;
}

}  // namespace tollstream
