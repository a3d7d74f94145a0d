#include "peer/node/watch_node.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/client/tracker_api.h"
#include "common/observe/event_feed.h"
#include "common/observe/metrics.h"
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

Result<int> WatchNode::Run(StopFlag& stop, StopFlag& stop_buying) {
  if (Status resolved = ResolveOrigin(); !resolved) return resolved.error();
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
  config.resume_dir = m_options.store_dir;  // none in a temporary directory
  config.find_timeout_seconds = m_options.wait_for_stream_seconds;
  config.broadcaster_timeout_seconds = m_options.reconnect_seconds;
  std::unique_ptr<Relay> relay;
  if (m_options.relay) {
    auto opened = Relay::Open(m_key, *m_options.relay, feed, metrics);
    if (!opened) return opened.error();
    relay = std::move(*opened);
    config.on_segment = [&relay](const SegmentStatement& st, const std::string& bytes) {
      relay->Add(st, bytes);
    };
    config.on_finished = [&relay] { relay->SetFinished(); };
  }
  Viewer viewer(m_key, config, local);
  feed.SetState(viewer.figures().ToJson());

  WatchControls controls;
  controls.feed = &feed;
  controls.status = [&viewer] { return viewer.figures().ToJson(); };
  controls.top_up = [&viewer](uint64_t amount) { return viewer.TopUp(amount); };
  controls.stop = [&stop_buying] { stop_buying.Set(); };
  PeerServer server;
  server.ServeViewer(local, controls);
  if (relay) server.ServeSellerApi(relay->seller());
  server.Instrument(metrics);
  auto bound = server.Bind(m_options.listen);
  if (!bound) return bound.error();
  auto advertised = AdvertisedUrl(*bound, m_options.advertise_url, m_options.tracker_url);
  if (relay && !advertised) return advertised.error();
  server.Start();
  Say("serving " + bound->Url() + "/" + m_options.stream + ".m3u8");
  Say("watch page " + bound->Url() + "/");
  if (relay) relay->Start(*advertised);

  auto outcome = viewer.Run(stop_buying.flag());
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

}  // namespace tollstream
