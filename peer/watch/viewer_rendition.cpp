// Which rendition the viewer buys, of a stream sold in several: those its
// contracts may buy (within --max-price), the one each segment is asked for (RenditionChoice),
// and the one the page pins.
#include <algorithm>

#include "peer/watch/viewer.h"
#include "peer/watch/viewer_buying.h"

namespace tollstream {

void Viewer::ChooseRenditions(Buying& b) {
  b.choice.reset();
  json listed = json::array();
  if (!b.source->renditions.empty()) {
    std::vector<RenditionSpec> bought;
    for (const RenditionSpec& r : b.source->renditions) {
      bool within = !m_config.max_price || r.price <= *m_config.max_price;
      if (within && (m_config.rendition.empty() || r.name == m_config.rendition)) {
        bought.push_back(r);
      }
    }
    for (const RenditionSpec& r : bought) listed.push_back(r.ToJson());
    std::string pinned = m_config.rendition;
    if (pinned.empty() && !m_config.adapt) pinned = bought.front().name;
    b.choice.emplace(std::move(bought), pinned);
    std::lock_guard lock(m_mutex);
    if (m_page_pin) b.choice->Pin(*m_page_pin);  // the page's pin holds with a new source
    m_pin.reset();
  }
  Update([&](ViewerFigures& f) {
    f.renditions = std::move(listed);
    f.pinned = b.choice && b.choice->pinned();
    f.rendition = b.choice ? b.choice->rendition().name : "";
  });
}

void Viewer::ApplyPin(Buying& b) {
  std::optional<std::string> pin;
  {
    std::lock_guard lock(m_mutex);
    pin.swap(m_pin);
  }
  if (!pin || !b.choice || !b.choice->Pin(*pin)) return;
  Event(pin->empty() ? "rendition: adapting to the link again"
                     : "rendition " + *pin + " pinned on the page");
  const RenditionSpec& now = b.choice->rendition();
  Update([&](ViewerFigures& f) {
    f.rendition = now.name;
    f.price = now.price;
    f.pinned = b.choice->pinned();
  });
}

std::vector<RenditionPrice> Viewer::ContractRenditions(Buying& b) {
  std::vector<RenditionPrice> out;
  b.bought.clear();
  if (!b.choice) return out;
  ApplyPin(b);
  // Pinned: that one alone, so that its lock and charge are at its price.
  for (const RenditionSpec& r : b.choice->renditions()) {
    if (!b.choice->pinned() || r.name == b.choice->rendition().name) {
      out.push_back({r.name, r.price});
      b.bought.push_back(r.name);
    }
  }
  return out;
}

std::string Viewer::NextRendition(Buying& b, const SegmentStatement& st, uint64_t bytes,
                                  std::chrono::microseconds took) {
  RenditionChoice& choice = *b.choice;
  size_t index = choice.current();
  for (size_t i = 0; i < choice.renditions().size(); ++i) {
    if (choice.renditions()[i].name == st.rendition) index = i;
  }
  size_t before = choice.current();
  if (choice.Arrived(index, bytes, st.duration_ms, took)) {
    const RenditionSpec& now = choice.rendition();
    Event("rendition " + now.name + " from the next segment: segment " + std::to_string(st.seq) +
          " came in " + std::to_string(took.count() / 1000) + " ms of " +
          std::to_string(st.duration_ms) + ", at " + std::to_string(choice.throughput() / 1000) +
          " kbit/s");
  }
  ApplyPin(b);
  // One the open contract does not buy (the page pinned another under a
  // contract of a pinned one alone): a new contract, from the next segment.
  const RenditionSpec& now = choice.rendition();
  if (std::find(b.bought.begin(), b.bought.end(), now.name) == b.bought.end()) return "";
  // Adapting again under a contract of one pinned rendition: one of all of them.
  if (!choice.pinned() && b.bought.size() < choice.renditions().size()) return "";
  if (choice.current() != before) {
    Update([&](ViewerFigures& f) {
      f.rendition = now.name;
      f.price = now.price;
    });
  }
  return now.name;
}

Result<json> Viewer::PinRendition(const std::string& name) {
  if (!m_config.adapt) {
    return MakeError(ErrorCode::kConflict,
                     "a relay keeps to the rendition it buys, to sell what it bought");
  }
  std::lock_guard lock(m_mutex);
  if (m_finished) return MakeError(ErrorCode::kConflict, "the viewer has stopped buying");
  if (m_figures.renditions.empty()) {
    return MakeError(ErrorCode::kConflict,
                     "no renditions to choose from: the stream is sold in one, or not yet known");
  }
  bool sold = name.empty();
  for (const json& r : m_figures.renditions) sold = sold || r.value("name", "") == name;
  if (!sold) {
    return MakeError(ErrorCode::kInvalidField, "rendition: no rendition " + name + " is bought");
  }
  m_pin = name;
  m_page_pin = name;
  return m_figures.ToJson();
}

}  // namespace tollstream
