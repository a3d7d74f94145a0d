// Where a viewer starts with a source: it waits for a stream announced
// but not started, checks that the source sells what the tracker listed,
// and picks the first segment (the live edge, the start of a recording, or
// where an earlier run stopped paying).
#include <algorithm>
#include <chrono>

#include "common/base/pause.h"
#include "common/wire/fields.h"
#include "peer/watch/sources.h"
#include "peer/watch/viewer.h"
#include "peer/watch/viewer_buying.h"

namespace tollstream {

Result<Viewer::Step> Viewer::Examine(Buying& b, const std::atomic<bool>& stop) {
  const Source& s = *b.source;
  auto info = b.node->Stream(m_config.stream);
  // A stream announced before its first segment is written: wait for it,
  // saying so every few seconds.
  auto waiting_since = std::chrono::steady_clock::now();
  auto next_word = waiting_since + std::chrono::seconds(3);
  while (info && !FindBool(*info, "available").value_or(false) && !stop &&
         std::chrono::steady_clock::now() < b.give_up) {
    PauseUnless(stop, 500);
    info = b.node->Stream(m_config.stream);
    if (std::chrono::steady_clock::now() >= next_word) {
      next_word += std::chrono::seconds(3);
      auto waited = std::chrono::duration_cast<std::chrono::seconds>(
          std::chrono::steady_clock::now() - waiting_since);
      Event("waiting for \"" + m_config.stream + "\" to start: announced, no segment yet (" +
            std::to_string(waited.count()) + " s)");
    }
  }
  if (stop) return Step::kEnd;
  Status usable = info ? CheckSells(*info, s, b.finder.origin()) : Status(info.error());
  auto renditions = usable ? RenditionsOfStream(*info)
                           : Result<std::vector<RenditionSpec>>(std::vector<RenditionSpec>{});
  if (usable && !renditions) usable = renditions.error();
  // The price the tracker listed, which the seller was chosen by, is the most any rendition costs.
  if (usable && std::any_of(renditions->begin(), renditions->end(),
                            [&](const RenditionSpec& r) { return r.price > s.price; })) {
    usable = MakeError(ErrorCode::kUpstream,
                       "the broadcaster asks more for a rendition than the price it announced, " +
                           std::to_string(s.price));
  }
  // A source of one quality sells no named rendition (a relay of one sells
  // whichever it bought).
  if (usable && !m_config.rendition.empty() &&
      std::none_of(renditions->begin(), renditions->end(),
                   [&](const RenditionSpec& r) { return r.name == m_config.rendition; })) {
    usable = MakeError(ErrorCode::kNotFound, "the source sells no rendition " + m_config.rendition);
  }
  if (usable && m_config.max_price && !renditions->empty() &&
      std::none_of(renditions->begin(), renditions->end(), [&](const RenditionSpec& r) {
        return r.price <= *m_config.max_price &&
               (m_config.rendition.empty() || r.name == m_config.rendition);
      })) {
    usable = MakeError(ErrorCode::kInsufficientFunds,
                       "the source sells no rendition" +
                           (m_config.rendition.empty() ? "" : " " + m_config.rendition) +
                           " within --max-price " + std::to_string(*m_config.max_price));
  }
  if (!usable) {
    if (b.first && !b.finder.HasOther(m_config.budget, s.key)) return usable.error();
    Event("giving up " + s.key.ToHex() + ": " + usable.error().message);
    b.finder.GiveUp(s.key);
    b.source.reset();
    return Step::kNext;
  }
  b.source->renditions = std::move(*renditions);
  ChooseRenditions(b);
  b.target = static_cast<int64_t>(
      std::clamp<uint64_t>(FindAmount(*info, "target_duration").value_or(2), 1, 60));
  Update([&](ViewerFigures& f) { f.segment_seconds = static_cast<uint64_t>(b.target); });
  // The first contract starts at the live edge of a live stream, else at
  // the start (a relay still buying a finished recording says so).
  bool finished =
      FindBool(*info, "ended").value_or(false) || FindBool(*info, "finished").value_or(false);
  if (finished && m_config.on_finished) m_config.on_finished();
  if (b.first && !b.from && FindBool(*info, "available").value_or(false) && !finished) {
    b.from = FindAmount(*info, "last");
  }
  if (b.first && (m_resume || m_config.continue_after)) {
    if (auto ended = Resume(b, *info)) return *ended;
  }
  return Step::kReady;
}

std::optional<Viewer::Step> Viewer::Resume(Buying& b, const json& info) {
  Result<std::optional<ResumePoint>> kept = std::optional<ResumePoint>();
  if (m_config.continue_after) {
    kept = std::optional<ResumePoint>(
        ResumePoint{m_config.stream, b.source->origin, *m_config.continue_after + 1});
  } else {
    kept = m_resume->Load();
  }
  if (!kept) Event("not resuming: " + kept.error().message);
  if (!kept || !*kept || (*kept)->stream != m_config.stream ||
      (*kept)->origin != b.source->origin) {
    return std::nullopt;
  }
  bool finished =
      FindBool(info, "ended").value_or(false) || FindBool(info, "finished").value_or(false);
  ResumeStart start =
      StartAfter(**kept, FindAmount(info, "first"), FindAmount(info, "last"), finished);
  if (start.bought_to_end) {
    b.outcome.stopped_because = "an earlier run bought this stream to its end";
    b.outcome.stream_ended = true;
    return Step::kEnd;
  }
  if (start.from) {
    b.from = start.from;
    Event("resuming at segment " + std::to_string(*start.from) +
          ": an earlier run paid for the segments before it");
  }
  return std::nullopt;
}

}  // namespace tollstream
