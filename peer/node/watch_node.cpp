#include "peer/node/watch_node.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/client/tracker_api.h"
#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
#include "common/observe/process_metrics.h"
#include "peer/node/advertised_url.h"
#include "peer/node/console.h"
#include "peer/node/scratch_dir.h"
#include "peer/peer_server.h"
#include "peer/watch/local_hls.h"
#include "peer/watch/origin_choice.h"
#include "peer/watch/viewer.h"

namespace tollstream {

WatchNode::WatchNode(KeyPair key, WatchOptions options)
    : m_key(std::move(key)), m_options(std::move(options)) {}

Status WatchNode::ResolveOrigin() {
  if (m_options.origin_spec.empty()) return Status::Ok();
  auto tracker = ConnectTracker(m_options.tracker_url, m_key);
  if (!tracker) return tracker.error();
  // Asked again, as for the stream itself, while --wait allows.
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(m_options.wait_for_stream_seconds);
  Result<PublicKey> origin = MakeError(ErrorCode::kNotFound, "not asked");
  for (;;) {
    auto live = TrackerApi(**tracker).Streams(m_options.stream);
    if (!live) return live.error();
    origin = ChooseOrigin(m_options.origin_spec, m_options.stream, *live);
    if (origin || origin.error().code != ErrorCode::kNotFound ||
        std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (!origin) return origin.error();
  m_options.origin = *origin;
  if (m_options.relay) m_options.relay->origin = *origin;
  Say("--origin " + m_options.origin_spec + ": " + origin->ToHex() + " code " + KeyCode(*origin));
  return Status::Ok();
}

Status WatchNode::ResolveRelayLadder() {
  if (!m_options.relay || m_options.relay_renditions.empty()) return Status::Ok();
  auto tracker = ConnectTracker(m_options.tracker_url, m_key);
  if (!tracker) return tracker.error();
  auto ladder = tollstream::ResolveRelayLadder(
      TrackerApi(**tracker), m_options.stream, m_options.origin, m_options.relay_renditions,
      m_options.relay->price, m_options.relay_rendition_prices,
      std::chrono::seconds(m_options.wait_for_stream_seconds));
  if (!ladder) return ladder.error();
  if (Status paid = CheckLadderBudget(*ladder, m_options.budget); !paid) return paid.error();
  m_options.origin = m_options.relay->origin = ladder->origin;
  m_options.relay->renditions = ladder->renditions;
  m_options.rendition = ladder->renditions.front().name;
  for (size_t i = 0; i < ladder->renditions.size(); ++i) {
    const RenditionSpec& r = ladder->renditions[i];
    Say("relay rendition " + r.name + ": bought at " + std::to_string(ladder->origin_prices[i]) +
        ", sold at " + std::to_string(r.price) + " a segment");
  }
  m_ladder = std::move(*ladder);
  return Status::Ok();
}

void WatchNode::FeedRelay(ViewerConfig& config, Relay& relay,
                          std::unique_ptr<LowerRenditionBuyers>& lower, std::mutex& spend_lock,
                          const std::string& store_dir) {
  config.on_segment = [&relay](const SegmentStatement& st, const std::string& bytes) {
    relay.Add(st, bytes);
  };
  if (m_ladder && m_ladder->renditions.size() > 1) {
    config.spend_lock = &spend_lock;
    lower = std::make_unique<LowerRenditionBuyers>(m_key, config, *m_ladder, config.budget,
                                                   std::filesystem::path(store_dir));
    config.budget = lower->top_budget();
    config.on_segment = [&relay, &lower](const SegmentStatement& st, const std::string& bytes) {
      relay.Add(st, bytes);
      lower->Start(st.seq);
    };
  }
  config.on_finished = [&relay] { relay.SetFinished(); };
  // The origin's "waiting for the streamer" is passed on to the relay's viewers.
  config.on_note = [&relay](const std::string& note) { relay.seller().SetWaitNote(note); };
}

// The viewer buying now, if any, and whether the page may ask it to buy
// again (a retry starts another viewer).
class CurrentViewer {
 public:
  void Set(std::shared_ptr<Viewer> viewer) {
    std::lock_guard lock(m_mutex);
    m_viewer = std::move(viewer);
    m_can_retry = false;
  }
  std::shared_ptr<Viewer> Get() {
    std::lock_guard lock(m_mutex);
    return m_viewer;
  }
  void SetCanRetry(bool can) {
    std::lock_guard lock(m_mutex);
    m_can_retry = can;
  }
  // The page's figures: the viewer's, with `can_retry`.
  std::optional<json> Figures() {
    std::lock_guard lock(m_mutex);
    if (!m_viewer) return std::nullopt;
    json j = m_viewer->figures().ToJson();
    j["can_retry"] = m_can_retry;
    return j;
  }

 private:
  std::mutex m_mutex;
  std::shared_ptr<Viewer> m_viewer;
  bool m_can_retry = false;
};

namespace {

// The page's figures while no stream is chosen yet.
json Choosing(uint64_t budget) {
  ViewerFigures f;
  f.state = "choosing";
  f.budget = budget;
  return f.ToJson();
}

}  // namespace

ViewerConfig WatchNode::Config(EventFeed& feed, Metrics& metrics) const {
  ViewerConfig config;
  config.tracker_url = m_options.tracker_url;
  config.stream = m_options.stream;
  config.budget = m_options.budget;
  config.out_path = m_options.out_path;
  config.on_event = Say;
  config.feed = &feed;
  config.metrics = &metrics;
  config.wait_for_top_up = !m_options.exit_at_end;
  config.origin = m_options.origin;
  config.max_price = m_options.max_price;
  config.rendition = m_options.rendition;
  // A relay sells what it buys at its prices: a rendition each viewer of
  // it keeps to, not what its link carries.
  config.adapt = !m_options.relay;
  config.resume_dir = m_options.store_dir;  // none in a temporary directory
  config.find_timeout_seconds = m_options.wait_for_stream_seconds;
  config.broadcaster_timeout_seconds = m_options.reconnect_seconds;
  return config;
}

Result<int> WatchNode::Run(StopFlag& stop, StopFlag& stop_buying) {
  if (!m_options.stream.empty()) {
    if (Status resolved = ResolveOrigin(); !resolved) return resolved.error();
    if (Status resolved = ResolveRelayLadder(); !resolved) return resolved.error();
  }
  ScratchDir scratch("tollstream-watch");
  std::string store_dir = m_options.store_dir.empty() ? scratch.path() : m_options.store_dir;
  std::error_code ec;
  std::filesystem::create_directories(store_dir, ec);
  if (store_dir.empty() || ec) {
    return MakeError(ErrorCode::kUnavailable, "cannot create a directory for the segments");
  }
  LocalHls local(store_dir, m_options.stream);
  EventFeed feed;  // the page's figures
  Metrics metrics;
  DeclareProcessMetrics(metrics, "peer-watch");
  ViewerConfig config = Config(feed, metrics);
  std::unique_ptr<Relay> relay;
  std::mutex spend_lock;                        // with lower renditions bought beside
  std::unique_ptr<LowerRenditionBuyers> lower;  // stops before the relay
  if (m_options.relay) {
    auto opened = Relay::Open(m_key, *m_options.relay, feed, metrics);
    if (!opened) return opened.error();
    relay = std::move(*opened);
    FeedRelay(config, *relay, lower, spend_lock, store_dir);
  }
  CurrentViewer current;
  PageChoices choices;
  PeerServer server;
  server.ServeViewer(local, Controls(current, choices, stop_buying, feed, lower.get()));
  if (relay) server.ServeSellerApi(relay->seller());
  server.ServeHealth({{"disk", [store_dir] { return CheckWritable(store_dir); }}});  // segments
  server.Instrument(metrics);
  auto bound = server.Bind(m_options.listen);
  if (!bound) return bound.error();
  auto advertised = AdvertisedUrl(*bound, m_options.advertise_url, m_options.tracker_url);
  if (relay && !advertised) return advertised.error();
  if (m_options.stream.empty()) {
    feed.SetState(Choosing(m_options.budget));
  } else {
    choices.Given();
  }
  server.Start();
  std::string serving = bound->Url() + "/";
  Result<ViewerOutcome> outcome = ViewerOutcome{};
  if (m_options.stream.empty()) {
    Say("watch page " + serving);
    Say("choose a stream on the watch page");
    PageBuying page{local, current, choices, stop_buying, feed};
    outcome = ChooseAndBuy(config, page, serving);
  } else {
    Say("serving " + serving + m_options.stream + ".m3u8");
    Say("watch page " + serving);
    if (relay) relay->Start(*advertised);
    outcome = Buy(config, {local, current, choices, stop_buying, feed}, false);
  }
  // The other renditions end with the stream, else with the top one's buying.
  if (lower) lower->Finish(/*stop_now=*/!(outcome && outcome->stream_ended), stop_buying.flag());
  if (outcome && outcome->stream_ended && relay) relay->End();
  if (outcome && !m_options.exit_at_end) {
    Say("serving what was bought until interrupted");
    while (!stop.WaitFor(std::chrono::seconds(1))) {
    }
  }
  feed.Close();
  // The relay settles while the server still answers: its viewers' last
  // receipts arrive during its clean stop (Broadcaster::Drain).
  bool relay_settled = !relay || relay->Stop();
  server.Stop();
  if (!outcome) return outcome.error();
  Say("bye");
  return relay_settled ? 0 : 1;
}

Result<ViewerOutcome> WatchNode::ChooseAndBuy(ViewerConfig config, const PageBuying& page,
                                              const std::string& serving) {
  for (;;) {
    auto chosen = page.choices.WaitForStream(page.stop_buying.flag());
    if (!chosen) return ViewerOutcome{};
    page.local.SetStream(chosen->name);
    config.stream = m_options.stream = chosen->name;
    config.origin = m_options.origin = chosen->origin;
    Say("serving " + serving + m_options.stream + ".m3u8");
    auto outcome = Buy(config, page, /*may_choose_again=*/true);
    if (outcome || page.local.size() > 0 || page.stop_buying.flag()) return outcome;
    // Nothing of it could be bought: the page chooses again.
    std::string why = "cannot buy \"" + chosen->name + "\": " + outcome.error().message;
    page.choices.Unchoose();
    page.current.Set(nullptr);
    json state = Choosing(m_options.budget);
    state["stopped_because"] = why;
    page.feed.SetState(std::move(state));
    Say(why + "; choose a stream on the watch page");
  }
}

Result<ViewerOutcome> WatchNode::Buy(ViewerConfig config, const PageBuying& page,
                                     bool may_choose_again) {
  for (;;) {
    auto viewer = std::make_shared<Viewer>(m_key, config, page.local);
    page.current.Set(viewer);
    auto outcome = viewer->Run(page.stop_buying.flag());
    // Buying stopped for another reason than the stream's end or the
    // viewer's own stop (a failure, no source left): the page can retry
    // while the node serves on.
    if (m_options.exit_at_end || page.stop_buying.flag() || (outcome && outcome->stream_ended) ||
        (may_choose_again && !outcome && page.local.size() == 0)) {
      return outcome;
    }
    page.choices.MarkFailed();  // before the page hears it may
    page.current.SetCanRetry(true);
    if (auto figures = page.current.Figures()) page.feed.SetState(std::move(*figures));
    Say("the watch page can retry");  // once its status says so
    if (!page.choices.WaitForRetry(page.stop_buying.flag())) return outcome;
    Say("retrying");
    page.local.Reopen();
    // On from the segment after the last one kept, from the same origin,
    // with what is left of the budget (the new run's figures count from
    // here), at the rendition the page pinned.
    ViewerFigures last = viewer->figures();
    config.page_pin = viewer->page_pin();
    config.budget = last.spent < last.budget ? last.budget - last.spent : 0;
    if (auto origin = PublicKey::FromHex(last.origin)) config.origin = *origin;
    config.continue_after = page.local.last_seq();
  }
}

WatchControls WatchNode::Controls(CurrentViewer& current, PageChoices& choices,
                                  StopFlag& stop_buying, EventFeed& feed,
                                  LowerRenditionBuyers* lower) {
  WatchControls controls;
  controls.feed = &feed;
  uint64_t budget = m_options.budget;
  controls.status = [&current, budget] { return current.Figures().value_or(Choosing(budget)); };
  controls.top_up = [&current, lower](uint64_t amount) -> Result<json> {
    auto viewer = current.Get();
    if (!viewer) return MakeError(ErrorCode::kConflict, "choose a stream first");
    if (lower != nullptr) return lower->TopUp(amount, *viewer);
    return viewer->TopUp(amount);
  };
  controls.stop = [&stop_buying] { stop_buying.Set(); };
  controls.streams = [this](const std::string& query) -> Result<json> {
    auto tracker = ConnectTracker(m_options.tracker_url, m_key);
    if (!tracker) return tracker.error();
    auto listed = TrackerApi(**tracker).Streams(query);
    if (!listed) return listed.error();
    json list = json::array();
    for (const auto& s : *listed) list.push_back(s.ToJson());
    return json{{"streams", std::move(list)}};
  };
  controls.watch = [&choices](const std::string& stream, const std::string& origin) {
    return choices.Choose(stream, origin);
  };
  controls.retry = [&choices] { return choices.AskRetry(); };
  controls.rendition = [&current](const std::string& name) -> Result<json> {
    auto viewer = current.Get();
    if (!viewer) return MakeError(ErrorCode::kConflict, "choose a stream first");
    return viewer->PinRendition(name);
  };
  return controls;
}

}  // namespace tollstream
