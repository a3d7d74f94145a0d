#include "common/protocol/rendition_offer.h"

#include "common/wire/fields.h"

namespace tollstream {

json RenditionOffer::ToJson() const {
  return {{"name", name}, {"height", height}, {"bitrate", bitrate}, {"price", price}};
}

Result<std::vector<RenditionOffer>> ParseRenditionOffers(const json& list,
                                                         const std::string& path) {
  std::vector<RenditionOffer> out;
  for (size_t i = 0; i < list.size(); ++i) {
    std::string where = path + "[" + std::to_string(i) + "]";
    ObjectReader e(list[i], where);
    RenditionOffer offer;
    offer.name = e.Name("name");
    offer.height = static_cast<int>(e.Integer("height", 16, 4320));
    offer.bitrate = e.Amount("bitrate");
    offer.price = e.Amount("price");
    if (Status s = e.Finish(); !s) return s.error();
    for (const RenditionOffer& before : out) {
      if (before.name == offer.name) {
        return MakeError(ErrorCode::kInvalidField, where + ".name is listed twice");
      }
    }
    out.push_back(std::move(offer));
  }
  return out;
}

}  // namespace tollstream
