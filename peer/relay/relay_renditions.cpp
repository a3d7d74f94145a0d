#include "peer/relay/relay_renditions.h"

#include <chrono>

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

LowerRenditionBuyers::LowerRenditionBuyers(const KeyPair& key, ViewerConfig base,
                                           const RelayLadder& ladder, uint64_t budget,
                                           const std::filesystem::path& dir)
    : m_key(key) {
  unsigned __int128 all = 0;
  for (uint64_t p : ladder.origin_prices) all += p;
  uint64_t shared = 0;
  for (size_t i = 1; i < ladder.renditions.size(); ++i) {
    Buyer buyer;
    buyer.name = ladder.renditions[i].name;
    buyer.config = base;
    buyer.config.rendition = buyer.name;
    buyer.config.adapt = false;
    // budget <= 2^53 and each price <= 2^53: the product fits in 128 bits.
    buyer.config.budget =
        all == 0 ? 0
                 : static_cast<uint64_t>(
                       budget * static_cast<unsigned __int128>(ladder.origin_prices[i]) / all);
    shared += buyer.config.budget;
    buyer.config.out_path.clear();
    buyer.config.resume_dir.clear();
    buyer.config.feed = nullptr;
    buyer.config.wait_for_top_up = false;
    buyer.config.on_finished = nullptr;
    buyer.config.on_note = nullptr;
    buyer.config.on_event = [say = base.on_event, name = buyer.name](const std::string& line) {
      if (say) say("rendition " + name + ": " + line);
    };
    std::filesystem::path own = dir / ("rendition-" + buyer.name);
    std::error_code ec;
    std::filesystem::create_directories(own, ec);
    buyer.local = std::make_unique<LocalHls>(own, base.stream);
    m_buyers.push_back(std::move(buyer));
  }
  m_top_budget = budget - shared;
}

LowerRenditionBuyers::~LowerRenditionBuyers() {
  Finish(/*stop_now=*/true);
}

void LowerRenditionBuyers::Start(uint64_t seq) {
  std::call_once(m_started, [&] {
    for (Buyer& buyer : m_buyers) {
      if (seq > 0) buyer.config.continue_after = seq - 1;
      buyer.thread = std::thread([this, &buyer] {
        Viewer viewer(m_key, buyer.config, *buyer.local);
        auto outcome = viewer.Run(m_stop);
        if (!outcome && buyer.config.on_event) {
          buyer.config.on_event("stopped buying: " + outcome.error().message);
        }
      });
    }
  });
}

void LowerRenditionBuyers::Finish(bool stop_now) {
  if (stop_now) m_stop = true;
  for (Buyer& buyer : m_buyers) {
    if (buyer.thread.joinable()) buyer.thread.join();
  }
}

}  // namespace tollstream
