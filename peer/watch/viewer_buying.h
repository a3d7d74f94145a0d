// What one run of a Viewer's buying carries from contract to contract
// (private to the viewer's implementation files).
#pragma once

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/client/tracker_client.h"
#include "peer/watch/broadcaster_client.h"
#include "peer/watch/rendition_choice.h"
#include "peer/watch/sources.h"
#include "peer/watch/viewer.h"

namespace tollstream {

struct Viewer::Buying {
  Buying(TrackerClient& t, SourceFinder& f) : tracker(t), finder(f) {}
  TrackerClient& tracker;
  SourceFinder& finder;
  std::vector<Source> sellers;                    // found at the start, for the first choice
  int64_t max_contract = 3600;                    // the tracker's longest contract, in seconds
  std::chrono::steady_clock::time_point give_up;  // for a stream that has no segment yet
  std::optional<Source> source;
  // Of a source that sells several renditions: those its contracts buy
  // (the pinned one, else all) and which one is bought next.
  std::optional<RenditionChoice> choice;
  std::vector<std::string> bought;  // the renditions the open contract buys
  std::unique_ptr<BroadcasterClient> node;
  std::optional<uint64_t> from;  // where the next contract starts (unset: live edge, or start)
  // After a source lost a contract: until then, no answering source is
  // waited for (the source may be restarting), not the end.
  std::chrono::steady_clock::time_point renew_until;
  std::map<std::string, int> losses;  // contracts lost, by seller key
  int64_t target = 2;                 // the segments' duration, in seconds
  // The contract being bought: its price (of its top rendition), and what
  // its receipts paid so far (a segment's cost is what its receipt adds).
  uint64_t price = 0;
  uint64_t paid = 0;
  bool first = true;
  bool announced = false;  // "stopped buying" was said
  std::ofstream out;
  ViewerOutcome outcome;
};

template <typename F>
void Viewer::Update(F change) {
  json state;
  {
    std::lock_guard lock(m_mutex);
    change(m_figures);
    state = m_figures.ToJson();
  }
  if (m_config.feed) m_config.feed->SetState(std::move(state));
}

}  // namespace tollstream
