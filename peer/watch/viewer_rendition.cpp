// Which rendition the viewer buys, of a stream sold in several: those its
// contracts may buy, the one each segment is asked for (RenditionChoice),
// and the one the page pins.
#include "peer/watch/viewer.h"
#include "peer/watch/viewer_buying.h"

namespace tollstream {

void Viewer::ChooseRenditions(Buying& b) {
  b.choice.reset();
  json listed = json::array();
  if (!b.source->renditions.empty()) {
    std::vector<RenditionSpec> bought;
    for (const RenditionSpec& r : b.source->renditions) {
      if (m_config.rendition.empty() || r.name == m_config.rendition) bought.push_back(r);
    }
    for (const RenditionSpec& r : bought) listed.push_back(r.ToJson());
    std::string pinned = m_config.rendition;
    if (pinned.empty() && !m_config.adapt) pinned = bought.front().name;
    b.choice.emplace(std::move(bought), pinned);
  }
  Update([&](ViewerFigures& f) {
    f.renditions = std::move(listed);
    f.pinned = b.choice && b.choice->pinned();
  });
}

std::string Viewer::NextRendition(Buying& b, const SegmentStatement& st, uint64_t bytes,
                                  std::chrono::microseconds took) {
  RenditionChoice& choice = *b.choice;
  size_t index = choice.current();
  for (size_t i = 0; i < choice.renditions().size(); ++i) {
    if (choice.renditions()[i].name == st.rendition) index = i;
  }
  size_t before = choice.current();
  bool changed = choice.Arrived(index, bytes, st.duration_ms, took);
  std::optional<std::string> pin;
  {
    std::lock_guard lock(m_mutex);
    pin.swap(m_pin);
  }
  if (pin && choice.Pin(*pin)) {
    Event(pin->empty() ? "rendition: adapting to the link again"
                       : "rendition " + *pin + " pinned on the page");
  }
  const RenditionSpec& now = choice.rendition();
  if (changed && !pin) {
    Event("rendition " + now.name + " from the next segment: segment " + std::to_string(st.seq) +
          " came in " + std::to_string(took.count() / 1000) + " ms of " +
          std::to_string(st.duration_ms) + ", at " + std::to_string(choice.throughput() / 1000) +
          " kbit/s");
  }
  if (choice.current() != before || pin) {
    Update([&](ViewerFigures& f) {
      f.rendition = now.name;
      f.price = now.price;
      f.pinned = choice.pinned();
    });
  }
  return now.name;
}

Result<json> Viewer::PinRendition(const std::string& name) {
  std::lock_guard lock(m_mutex);
  if (m_figures.renditions.empty()) {
    return MakeError(ErrorCode::kConflict, "the stream is bought in one rendition");
  }
  bool sold = name.empty();
  for (const json& r : m_figures.renditions) sold = sold || r.value("name", "") == name;
  if (!sold) {
    return MakeError(ErrorCode::kInvalidField, "rendition: no rendition " + name + " is bought");
  }
  m_pin = name;
  return m_figures.ToJson();
}

}  // namespace tollstream
