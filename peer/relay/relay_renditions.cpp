#include "peer/relay/relay_renditions.h"

#include <algorithm>
#include <chrono>
#include <cstdint>

#include "common/base/amount.h"
#include "peer/node/console.h"

namespace tollstream {

Result<RelayLadder> ResolveRelayLadder(TrackerApi tracker, const std::string& stream,
                                       const std::optional<PublicKey>& origin,
                                       const std::string& asked, uint64_t top_price,
                                       const std::string& prices, std::chrono::seconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::vector<Listing> origins;
  for (;;) {
    auto listed = tracker.Lookup(stream, origin);
    if (!listed) return listed.error();
    origins.clear();
    for (Listing& l : *listed) {
      if (!l.relay()) origins.push_back(std::move(l));
    }
    if (!origins.empty() || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  std::string quoted = "\"" + stream + "\"";
  if (origins.empty()) {
    return MakeError(ErrorCode::kNotFound,
                     "--relay-renditions: no origin of " + quoted +
                         " is announced at the tracker, whose renditions to re-sell");
  }
  if (origins.size() > 1) {
    return MakeError(ErrorCode::kInvalidField, "--relay-renditions: several origins sell " +
                                                   quoted + "; name one with --origin");
  }
  const Listing& own = origins.front();
  if (own.renditions.empty()) {
    return MakeError(ErrorCode::kNotFound, "--relay-renditions: the origin sells " + quoted +
                                               " in one quality, not in renditions");
  }
  std::vector<RenditionSpec> sold;
  for (const RenditionOffer& offer : own.renditions) {
    RenditionSpec spec;
    static_cast<RenditionOffer&>(spec) = offer;
    sold.push_back(std::move(spec));
  }
  auto picked = PickRenditions(sold, asked);
  if (!picked) {
    return MakeError(picked.error().code, "--relay-renditions: " + picked.error().message);
  }
  RelayLadder ladder{own.broadcaster, std::move(*picked), {}};
  for (const RenditionSpec& r : ladder.renditions) ladder.origin_prices.push_back(r.price);
  if (Status priced = PriceRenditions(ladder.renditions, top_price, prices); !priced) {
    return priced.error();
  }
  return ladder;
}

namespace {

// Rendition i's share of `budget` (i >= 1), in proportion to the origin's prices.
uint64_t ShareOf(const RelayLadder& ladder, size_t i, uint64_t budget) {
  unsigned __int128 all = 0;
  for (uint64_t p : ladder.origin_prices) all += p;
  if (all == 0) return 0;
  // budget <= 2^53 and each price <= 2^53: the product fits in 128 bits.
  auto share = budget * static_cast<unsigned __int128>(ladder.origin_prices[i]) / all;
  return static_cast<uint64_t>(share);
}

// What of `budget` the top rendition's viewer buys with: what the others' shares leave.
uint64_t TopShare(const RelayLadder& ladder, uint64_t budget) {
  uint64_t shared = 0;
  for (size_t i = 1; i < ladder.renditions.size(); ++i) shared += ShareOf(ladder, i, budget);
  return budget - shared;
}

}  // namespace

Status CheckLadderBudget(const RelayLadder& ladder, uint64_t budget) {
  for (size_t i = 0; i < ladder.renditions.size(); ++i) {
    uint64_t share = i == 0 ? TopShare(ladder, budget) : ShareOf(ladder, i, budget);
    uint64_t first = 2 * ladder.origin_prices[i];  // the opening charge and a segment
    if (share < first) {
      return MakeError(ErrorCode::kInsufficientFunds,
                       "--budget " + std::to_string(budget) +
                           " is too small to buy every rendition: " + ladder.renditions[i].name +
                           "'s share, " + std::to_string(share) + ", opens no contract at " +
                           std::to_string(first));
    }
  }
  return Status::Ok();
}

LowerRenditionBuyers::LowerRenditionBuyers(const KeyPair& key, ViewerConfig base,
                                           const RelayLadder& ladder, uint64_t budget,
                                           const std::filesystem::path& dir)
    : m_key(key),
      m_tracker_url(base.tracker_url),
      m_ladder(ladder),
      m_top_budget(TopShare(ladder, budget)) {
  for (size_t i = 1; i < ladder.renditions.size(); ++i) {
    auto made = std::make_unique<Buyer>();
    Buyer& buyer = *made;
    buyer.rung = i;
    buyer.name = ladder.renditions[i].name;
    buyer.config = base;
    buyer.config.rendition = buyer.name;
    buyer.config.adapt = false;
    // Its sellers are chosen, and its share spent, at this rendition's price.
    buyer.config.max_price = std::min(base.max_price.value_or(UINT64_MAX), ladder.origin_prices[i]);
    buyer.config.budget = ShareOf(ladder, i, budget);
    buyer.config.out_path.clear();
    buyer.config.resume_dir.clear();
    buyer.config.feed = nullptr;
    buyer.config.on_finished = nullptr;
    buyer.config.on_note = nullptr;
    buyer.config.on_event = [say = base.on_event, name = buyer.name](const std::string& line) {
      if (say) say("rendition " + name + ": " + line);
    };
    std::filesystem::path own = dir / ("rendition-" + buyer.name);
    std::error_code ec;
    std::filesystem::create_directories(own, ec);
    buyer.local = std::make_unique<LocalHls>(own, base.stream);
    m_buyers.push_back(std::move(made));
  }
}

LowerRenditionBuyers::~LowerRenditionBuyers() {
  std::atomic<bool> now{true};
  Finish(/*stop_now=*/true, now);
}

void LowerRenditionBuyers::Start(uint64_t seq) {
  std::call_once(m_started, [&] {
    for (auto& each : m_buyers) {
      Buyer& buyer = *each;
      if (seq > 0) buyer.config.continue_after = seq - 1;
      m_running += 1;
      buyer.thread = std::thread([this, &buyer] {
        std::shared_ptr<Viewer> viewer;
        {
          std::lock_guard lock(m_mutex);  // with its budget as topped up so far
          viewer = buyer.viewer = std::make_shared<Viewer>(m_key, buyer.config, *buyer.local);
        }
        auto outcome = viewer->Run(buyer.stop);
        if (!outcome && buyer.config.on_event) {
          buyer.config.on_event("stopped buying: " + outcome.error().message);
        }
        {
          std::lock_guard lock(m_mutex);
          buyer.viewer.reset();
          buyer.ended = true;
        }
        m_running -= 1;
      });
    }
  });
}

Result<json> LowerRenditionBuyers::TopUp(uint64_t amount, Viewer& top) {
  if (amount == 0 || amount > kMaxAmount) return top.TopUp(amount);  // refused there
  // Every viewer deposits from the key's one ordinary address: it must hold
  // what all of them have yet to deposit, the top-up included. One top-up
  // at a time, so that each is checked with those before it added; what
  // is yet to deposit is read before the balance, so that a deposit
  // between the two reads makes the check stricter, never looser.
  std::lock_guard one_at_a_time(m_top_up_mutex);
  std::vector<std::pair<Buyer*, uint64_t>> shares;
  uint64_t shared = 0;  // each at most 2^53: the sums below fit
  uint64_t owed = amount + top.Undeposited();
  {
    std::lock_guard lock(m_mutex);
    for (auto& buyer : m_buyers) {
      if (buyer->ended) continue;
      owed += buyer->viewer ? buyer->viewer->Undeposited() : buyer->config.budget;
      uint64_t share = ShareOf(m_ladder, buyer->rung, amount);
      if (share == 0) continue;
      shared += share;
      shares.emplace_back(buyer.get(), share);
    }
  }
  auto balance = Viewer::OrdinaryBalance(m_tracker_url, m_key);
  if (!balance) return balance.error();
  if (*balance < owed) {
    return MakeError(ErrorCode::kInsufficientFunds,
                     "the address holds " + std::to_string(*balance) +
                         " tokens; the budgets of the renditions would need " +
                         std::to_string(owed) + " more from it");
  }
  // The shares are floored: the top one's is at least 1 unless its price is 0.
  auto topped = top.TopUp(amount - shared, *balance);
  if (!topped) return topped.error();
  uint64_t refused = 0;
  for (auto [buyer, share] : shares) {
    if (Status given = Give(*buyer, share, *balance); !given) {
      Say("rendition " + buyer->name + ": its share of the top-up, " + std::to_string(share) +
          ", goes to the top one: " + given.error().message);
      refused += share;
    }
  }
  if (refused > 0) return top.TopUp(refused, *balance);
  return topped;
}

Status LowerRenditionBuyers::Give(Buyer& buyer, uint64_t amount, uint64_t balance) {
  std::shared_ptr<Viewer> viewer;
  {
    std::lock_guard lock(m_mutex);
    if (buyer.ended) return MakeError(ErrorCode::kConflict, "it has stopped buying");
    if (!buyer.viewer) {  // not started yet: it starts with it
      buyer.config.budget += amount;
      if (buyer.config.on_event) {
        buyer.config.on_event("budget topped up by " + std::to_string(amount) + " to " +
                              std::to_string(buyer.config.budget) + ", before it starts");
      }
      return Status::Ok();
    }
    viewer = buyer.viewer;
  }
  // Topped up, its viewer says so ("rendition NAME: budget topped up by ...").
  auto topped = viewer->TopUp(amount, balance);
  if (!topped) return topped.error();
  return Status::Ok();
}

void LowerRenditionBuyers::Finish(bool stop_now, const std::atomic<bool>& interrupt) {
  if (m_finished) return;
  m_finished = true;
  std::call_once(m_started, [] {});  // none starts from now on
  while (m_running > 0) {
    bool all = stop_now || interrupt;
    {
      std::lock_guard lock(m_mutex);
      for (auto& buyer : m_buyers) {
        if (all || (buyer->viewer && buyer->viewer->figures().state == "waiting-top-up")) {
          buyer->stop = true;
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool started = false;
  for (auto& buyer : m_buyers) {
    started = started || buyer->thread.joinable();
    if (buyer->thread.joinable()) buyer->thread.join();
  }
  if (!started) return;
  // Each viewer's close of the shared spend address is refused while
  // another's contract is open: the last word is the node's.
  auto tracker = ConnectTracker(m_tracker_url, m_key);
  if (!tracker) return;
  TrackerApi api(**tracker);
  auto open = api.OpenAddressesOf(m_key.public_key());
  if (!open) {
    Say("the renditions' spend address may stay open: " + open.error().message);
    return;
  }
  if (!open->spend) return;  // none open: the last viewer to settle closed it
  auto returned = api.CloseSpendAddress(*open->spend);
  if (!returned) {
    Say("the renditions' spend address stays open: " + returned.error().message);
  } else if (returned->paid_out > 0) {
    Say("the renditions' spend address returned " + std::to_string(returned->paid_out) +
        ", balance " + std::to_string(returned->balance));
  }
}

}  // namespace tollstream
