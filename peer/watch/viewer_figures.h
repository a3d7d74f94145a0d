// What the viewer's page shows (GET /api/status, the "state" events);
// every amount in tokens.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/wire/json.h"

namespace tollstream {

// What the viewer's page shows; every amount in tokens.
struct ViewerFigures {
  std::string state = "finding";  // choosing (no stream yet), finding, opening, open,
                                  // waiting-top-up, settling, closed, failed
  std::string stream;
  std::string origin;       // the stream's origin: public key (hex)
  std::string origin_code;  // its 6-digit code
  std::string broadcaster;  // the source now, origin or relay: public key (hex)
  std::string code;         // its 6-digit code
  std::string role;         // the source's: "origin" or "relay"
  uint64_t sources = 0;     // sources used so far
  std::string broadcaster_url;
  std::string income_address;       // where payments go
  std::string contract;             // the current (or last) contract id
  uint64_t contracts = 0;           // how many were opened
  uint64_t price = 0;               // a segment's, of the rendition bought now
  std::string rendition;            // the rendition bought now ("" for a stream of one)
  json renditions = json::array();  // those a contract may buy: {name, height, bitrate, price}
  bool pinned = false;              // kept to `rendition` (else adapting)
  uint64_t segment_seconds = 0;     // the stream's target duration, once a source said it
  uint64_t budget = 0;              // everything given to spend, top-ups included
  uint64_t spent = 0;               // paid by receipts, over every contract
  uint64_t segments = 0;
  uint64_t bytes = 0;
  std::optional<uint64_t> last_seq;
  uint64_t returned = 0;            // deposits returned so far
  std::optional<uint64_t> balance;  // the ordinary address, when last known
  std::string stopped_because;
  std::string source_note;  // the source's while it has nothing new ("waiting for the streamer")

  json ToJson() const;
};

}  // namespace tollstream
