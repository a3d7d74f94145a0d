#include "peer/node/broadcast_node.h"

#include <filesystem>
#include <fstream>

#include "common/base/files.h"
#include "common/client/tracker_api.h"
#include "common/media/hls_master.h"
#include "common/observe/event_feed.h"
#include "common/observe/log.h"
#include "common/observe/metrics.h"
#include "common/observe/process_metrics.h"
#include "common/protocol/address.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/encoder.h"
#include "peer/broadcast/ingest.h"
#include "peer/broadcast/ingest_monitor.h"
#include "peer/broadcast/rtmp_ingest.h"
#include "peer/broadcast/segment_source.h"
#include "peer/node/advertised_url.h"
#include "peer/node/announcer.h"
#include "peer/node/console.h"
#include "peer/node/first_segment.h"
#include "peer/node/scratch_dir.h"
#include "peer/node/seller_account.h"
#include "peer/peer_server.h"

namespace tollstream {

// What a running broadcasting node is made of, in the order they are made
// (and the reverse order they go).
struct BroadcastNode::Parts {
  explicit Parts(SellerAccount a) : account(std::move(a)) {}
  SellerAccount account;
  std::optional<ScratchDir> encoded;  // where ffmpeg writes, with a source file
  Encoder encoder;
  std::unique_ptr<SegmentSource> source;              // the only rendition, or the top one
  std::vector<std::unique_ptr<SegmentSource>> lower;  // the other renditions
  EventFeed feed;                                     // the status page's figures
  Metrics metrics;
  std::unique_ptr<Broadcaster> broadcaster;
  PeerServer server;
  std::string advertised;
  std::optional<Announcer> announcer;
  // The status page's last figures, and the income balance asked again
  // whenever more was earned.
  json shown;
  std::optional<uint64_t> income_balance;
  std::optional<uint64_t> balance_for_earned;
  std::filesystem::path playlist;
  std::unique_ptr<PublishGate> gate;     // with RTMP ingest: nginx asks it for the key
  bool waiting_said = false;             // "waiting for the streamer" said for this gap
  bool ended = false;                    // the ingest timed out
  std::optional<IngestMonitor> monitor;  // what arrives: bitrate, keyframes
  bool keyframes_said = false;           // keyframes too far apart, said once
  std::string playlist_error_said;       // why the playlist does not parse, said once
};

namespace {

// The encoder's input for --ingest or --source (none for --hls-dir), one
// rendition. Errors: a bad --ingest URL; a --source file that is not there
// (a URL, scheme://, is ffmpeg's to open).
Result<EncoderInput> PackagerInputOf(const BroadcastOptions& options) {
  if (options.ingest.starts_with("rtmp://")) {
    auto target = ParseRtmpIngest(options.ingest);
    if (!target) return target.error();
    // nginx's command comes once its directory and gate are made (RtmpPackager).
    EncoderInput input;
    input.copy = input.listener = true;
    input.playlist = "hls/" + target->playlist();
    input.secrets = {target->key};
    return input;
  }
  if (!options.ingest.empty()) {
    std::string key;
    auto args = IngestInput(options.ingest, &key);
    if (!args) return args.error();
    EncoderInput input;
    input.args = *args;
    input.copy = input.listener = true;
    input.secrets = {key};
    return input;
  }
  if (options.source.empty()) return EncoderInput{};
  std::error_code ec;
  if (options.source.find("://") == std::string::npos &&
      !std::filesystem::exists(options.source, ec)) {
    return MakeError(ErrorCode::kNotFound, "--source " + options.source + ": no such file");
  }
  EncoderInput input;
  input.args = {"-re", "-i", options.source};
  return input;
}

// The encoder's input for --ingest or --source, making the renditions when
// there are several.
Result<EncoderInput> EncoderInputOf(const BroadcastOptions& options) {
  auto input = PackagerInputOf(options);
  if (!input || options.renditions.empty()) return input;
  input->ladder = options.renditions;
  input->copy = false;
  input->playlist = options.renditions[0].name + "/index.m3u8";
  return input;
}

}  // namespace

Status BroadcastNode::RtmpPackager(EncoderInput& input, const std::filesystem::path& dir) {
  Parts& p = *m_parts;
  auto target = ParseRtmpIngest(m_options.ingest);
  if (!target) return target.error();
  p.gate = std::make_unique<PublishGate>(target->key);
  auto port = p.gate->Start();
  if (!port) return port.error();
  std::filesystem::path config = dir / "nginx.conf";
  std::ofstream(config) << RtmpNginxConfig(*target, dir, *port, m_options.segment_seconds);
  input.command = {"/usr/sbin/nginx", "-p", dir.string(), "-c", config.string()};
  return Status::Ok();
}

Result<std::filesystem::path> BroadcastNode::FollowMaster(const std::filesystem::path& playlist) {
  auto text = ReadWholeFile(playlist);
  if (!text || !IsHlsMaster(*text)) return playlist;
  auto variants = ParseHlsMaster(*text);
  if (!variants) return variants.error();
  auto ladder = RenditionsOfMaster(std::move(*variants));
  if (!ladder) return ladder.error();
  if (Status priced = PriceRenditions(*ladder, m_options.price, m_options.rendition_prices);
      !priced) {
    return priced.error();
  }
  m_options.renditions = std::move(*ladder);
  return playlist.parent_path() / m_options.renditions[0].playlist;
}

void BroadcastNode::OfferRenditions(const std::filesystem::path& playlist,
                                    const std::filesystem::path& hls_dir,
                                    BroadcasterConfig& config) {
  Parts& p = *m_parts;
  const std::vector<RenditionSpec>& ladder = m_options.renditions;
  p.source =
      std::make_unique<SegmentSource>(playlist, m_options.stream, m_key, std::chrono::seconds(2),
                                      ladder.empty() ? "" : ladder[0].name);
  for (size_t i = 0; i < ladder.size(); ++i) {
    if (i > 0) {
      std::filesystem::path media = ladder[i].playlist.empty()
                                        ? hls_dir / ladder[i].name / "index.m3u8"
                                        : hls_dir / ladder[i].playlist;
      p.lower.push_back(std::make_unique<SegmentSource>(media, m_options.stream, m_key,
                                                        std::chrono::seconds(2), ladder[i].name));
    }
    config.renditions.push_back({ladder[i], i == 0 ? p.source.get() : p.lower.back().get()});
    Say("rendition " + ladder[i].name + ": " + std::to_string(ladder[i].height) + " lines, " +
        std::to_string(ladder[i].bitrate / 1000) + " kbit/s, " + std::to_string(ladder[i].price) +
        " a segment");
  }
}

BroadcastNode::BroadcastNode(KeyPair key, BroadcastOptions options)
    : m_key(std::move(key)), m_options(std::move(options)) {}

BroadcastNode::~BroadcastNode() = default;

Status BroadcastNode::Start(StopFlag& stop) {
  auto account = SellerAccount::Open(m_options.tracker_url, m_key, m_options.state_dir);
  if (!account) return account.error();
  m_parts = std::make_unique<Parts>(std::move(*account));
  Parts& p = *m_parts;
  std::filesystem::path hls_dir = m_options.hls_dir;
  auto input = EncoderInputOf(m_options);
  if (!input) return input.error();
  bool packaged = !input->args.empty() || input->listener;
  if (packaged) {
    p.encoded.emplace("tollstream-hls");
    if (p.encoded->path().empty()) {
      return MakeError(ErrorCode::kUnavailable, "cannot create a temporary directory");
    }
    hls_dir = p.encoded->path();
    if (input->args.empty()) {
      if (Status made = RtmpPackager(*input, hls_dir); !made) return made;
    }
    Status started = p.encoder.Start(*input, hls_dir, m_options.segment_seconds);
    if (!started) return started;
  }
  std::string secret = input->secrets.empty() ? "" : input->secrets[0];
  if (input->listener)
    Say("listening for the streamer at " + Masked(m_options.ingest, input->secrets));
  auto playlist = WaitForFirstSegment(hls_dir, packaged ? input->playlist : m_options.playlist,
                                      packaged ? &p.encoder : nullptr, stop, secret);
  auto followed = playlist ? FollowMaster(*playlist) : playlist;
  if (!followed) return followed.error();
  if (!packaged) hls_dir = playlist->parent_path();  // a master's variants are relative to it
  p.playlist = *followed;
  p.monitor.emplace(p.playlist);
  BroadcasterConfig config;
  config.stream = m_options.stream;
  config.price = m_options.price;
  OfferRenditions(p.playlist, hls_dir, config);
  config.income_address = p.account.income_address;
  config.receipt_timeout_seconds = m_options.receipt_timeout_seconds;
  config.on_event = SayAndShow(p.feed);
  config.metrics = &p.metrics;
  p.broadcaster = std::make_unique<Broadcaster>(m_key, std::move(p.account.tracker), *p.source,
                                                *p.account.store, config);
  p.broadcaster->CloseStored();

  p.server.ServeBroadcaster(*p.broadcaster, p.feed);
  p.server.ServeHealth(
      {{"disk", [dir = m_options.state_dir] { return CheckWritable(dir); }}});  // receipts
  DeclareProcessMetrics(p.metrics, "peer-broadcast");
  p.server.Instrument(p.metrics);
  auto bound = p.server.Bind(m_options.listen);
  if (!bound) return bound.error();
  auto advertised = AdvertisedUrl(*bound, m_options.advertise_url, m_options.tracker_url);
  if (!advertised) return advertised.error();
  p.advertised = *advertised;
  p.server.Start();
  Say("listening on " + bound->Url());
  if (!m_options.advertise_url && IsWildcardHost(bound->host)) {
    Say("announcing " + p.advertised +
        ": the address that faces the tracker (--advertise-url names another)");
  }
  Say("status page " + bound->Url() + "/");
  Say("broadcaster " + m_key.public_key().ToHex() + " code " + KeyCode(m_key.public_key()));
  Say("income address " + p.account.income_address);
  p.announcer.emplace(*p.broadcaster, AnnounceParams{m_options.stream,
                                                     p.advertised,
                                                     m_options.price,
                                                     m_options.ttl,
                                                     {},
                                                     m_options.title,
                                                     m_options.description,
                                                     RenditionsJson(m_options.renditions)});
  if (Status a = p.announcer->Announce(); !a) {
    return MakeError(a.error().code, "announce: " + a.error().message);
  }
  // Said once the tracker lists it: from now on a viewer finds it.
  Say("broadcasting " + m_options.stream + " at " + p.advertised + " price " +
      std::to_string(m_options.price));
  return Status::Ok();
}

Result<int> BroadcastNode::Run(StopFlag& stop) {
  if (Status started = Start(stop); !started) {
    if (stop.flag()) return 0;  // stopped while it waited: nothing was sold
    return started.error();
  }
  Parts& p = *m_parts;
  WatchKeyframes();
  PublishStatus();
  while (!stop.WaitFor(std::chrono::milliseconds(500))) {
    p.broadcaster->CloseQuiet();
    if (auto tried = p.announcer->RenewIfDue(); tried && !*tried) {
      LogWarn("announce: " + tried->error().message);
    }
    p.encoder.Supervise();
    if (p.encoder.listener()) WatchIngest();
    WatchKeyframes();
    PublishStatus();  // what changed above, at once
  }
  // Shut down cleanly: the receipts owed taken, every contract settled,
  // income paid out; the server answers until then.
  p.feed.Close();
  p.encoder.Stop();
  bool settled = p.account.Settle(*p.broadcaster, "", [&] { p.announcer->Withdraw(); });
  p.server.Stop();
  return settled ? 0 : 1;
}

void BroadcastNode::WatchIngest() {
  Parts& p = *m_parts;
  if (p.ended) return;
  std::error_code ec;
  auto changed = std::filesystem::last_write_time(p.playlist, ec);
  if (ec) return;
  auto quiet = std::filesystem::file_time_type::clock::now() - changed;
  bool connected = p.gate && !p.gate->sender().empty();  // RTMP tells
  if (!connected && quiet >= std::chrono::seconds(m_options.ingest_timeout_seconds)) {
    p.ended = true;
    Status ended = p.encoder.EndPlaylist();
    Say("no streamer for " + std::to_string(m_options.ingest_timeout_seconds) +
        " s: the stream ended" + (ended ? "" : " (" + ended.error().message + ")"));
  } else if (connected || quiet < std::chrono::seconds(3 * m_options.segment_seconds)) {
    if (p.waiting_said) p.broadcaster->SetWaitNote("");
    p.waiting_said = false;
  } else if (!p.waiting_said) {
    p.waiting_said = true;
    p.broadcaster->SetWaitNote("waiting for the streamer");
    Say("waiting for the streamer (the stream ends after " +
        std::to_string(m_options.ingest_timeout_seconds) + " s without one)");
  }
}

void BroadcastNode::WatchKeyframes() {
  Parts& p = *m_parts;
  p.monitor->Update();
  const std::string& error = p.monitor->playlist_error();
  if (error != p.playlist_error_said) {
    if (!error.empty()) {
      LogWarn("cannot read " + p.playlist.string() + ": " + error +
              " (nothing after it is sold until it reads)");
    } else {
      LogInfo(p.playlist.string() + " reads again");
    }
    p.playlist_error_said = error;
  }
  auto interval = p.monitor->keyframe_interval_ms();
  // An HLS folder's segments are its encoder's to choose.
  if (!interval || !m_options.hls_dir.empty()) return;
  // Segments are cut at keyframes: further apart, every segment is longer.
  bool too_far = *interval * 2 > m_options.segment_seconds * 1000 * 3;
  if (too_far && !p.keyframes_said) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", static_cast<double>(*interval) / 1000);
    Say(std::string("keyframes arrive ") + seconds + " s apart, so segments are that long: set " +
        "the encoder's keyframe interval to " + std::to_string(m_options.segment_seconds) +
        " s (OBS: Settings, Output, Keyframe Interval)");
  }
  p.keyframes_said = too_far;
}

json BroadcastNode::IngestStatus() {
  Parts& p = *m_parts;
  std::string from = !m_options.ingest.empty()
                         ? m_options.ingest.substr(0, m_options.ingest.find(':'))
                     : !m_options.source.empty() ? "source"
                                                 : "hls-dir";
  std::error_code ec;
  auto quiet = std::filesystem::file_time_type::clock::now() -
               std::filesystem::last_write_time(p.playlist, ec);
  std::string sender = p.gate ? p.gate->sender() : "";
  // Segments come every segment length (an HLS folder's: its target duration).
  int64_t segment = m_options.hls_dir.empty() ? m_options.segment_seconds
                                              : std::max<int64_t>(p.monitor->target_seconds(), 1);
  std::string state = p.ended || p.monitor->ended() ? "ended"
                      : !sender.empty() || (!ec && quiet < std::chrono::seconds(3 * segment))
                          ? "receiving"
                          : "waiting";
  auto optional = [](const std::optional<int64_t>& v) { return v ? json(*v) : json(nullptr); };
  return {{"from", from},
          {"state", state},
          {"sender", sender.empty() ? json(nullptr) : json(sender)},
          {"bitrate_kbps", optional(p.monitor->bitrate_kbps())},
          {"keyframe_interval_ms", optional(p.monitor->keyframe_interval_ms())},
          {"packager", p.encoder.name().empty() ? json(nullptr) : json(p.encoder.name())},
          {"restarts", p.encoder.restarts()}};
}

void BroadcastNode::PublishStatus() {
  Parts& p = *m_parts;
  uint64_t earned = p.broadcaster->totals().earned;
  if (p.balance_for_earned != earned) {
    auto balance = p.broadcaster->WithTracker(
        [&](TrackerClient& c) { return TrackerApi(c).Balance(p.account.income_address); });
    if (balance) {
      p.income_balance = *balance;
      p.balance_for_earned = earned;
    }
  }
  json status = p.broadcaster->Snapshot();
  status["url"] = p.advertised;
  status["ingest"] = IngestStatus();
  status["income_balance"] = p.income_balance ? json(*p.income_balance) : json(nullptr);
  if (status != p.shown) {
    p.feed.SetState(status);
    p.shown = std::move(status);
  }
}

}  // namespace tollstream
