#include "peer/watch/viewer_figures.h"

namespace tollstream {

json ViewerFigures::ToJson() const {
  json j{{"state", state},
         {"stream", stream},
         {"playlist", "/" + stream + ".m3u8"},
         {"origin", origin},
         {"origin_code", origin_code},
         {"broadcaster", broadcaster},
         {"code", code},
         {"role", role},
         {"sources", sources},
         {"broadcaster_url", broadcaster_url},
         {"income_address", income_address},
         {"contract", contract},
         {"contracts", contracts},
         {"price", price},
         {"rendition", rendition},
         {"renditions", renditions},
         {"pinned", pinned},
         {"segment_seconds", segment_seconds},
         {"budget", budget},
         {"spent", spent},
         {"budget_left", spent < budget ? budget - spent : 0},
         {"segments", segments},
         {"bytes", bytes},
         {"returned", returned},
         {"stopped_because", stopped_because},
         {"source_note", source_note}};
  // The budget left in playing time, at this price: whole segments only.
  uint64_t left = spent < budget ? budget - spent : 0;
  j["seconds_left"] =
      price > 0 && segment_seconds > 0 ? json(left / price * segment_seconds) : json(nullptr);
  j["last_seq"] = last_seq ? json(*last_seq) : json(nullptr);
  j["balance"] = balance ? json(*balance) : json(nullptr);
  return j;
}

}  // namespace tollstream
