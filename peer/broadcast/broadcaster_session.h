// One contract with one viewer, as the broadcaster holds it: its sale (the
// receipt state machine), the requests seen, when the viewer was last
// heard, and the ticket of the newest record of its paid receipt. Shared by
// the broadcaster's implementation files only.
//
// Guarded by its own mutex.
#pragma once

#include <mutex>
#include <string>

#include "common/base/hex.h"
#include "peer/broadcast/broadcaster.h"
#include "peer/broadcast/replay_guard.h"
#include "peer/broadcast/sale.h"

namespace tollstream {

struct Broadcaster::Session {
  Session(const Contract& c, json signed_contract, uint64_t from)
      : contract(c), id(ToHex(c.id)), contract_json(std::move(signed_contract)), sale(c, from) {}

  std::mutex mutex;
  const Contract contract;
  const std::string id;
  const json contract_json;  // both signatures; made once, every receipt's record carries it
  Sale sale;
  json offer_answer;  // the answer to the offer, for a viewer that asks again
  ReplayGuard requests;
  int64_t last_heard = 0;  // steady milliseconds
  uint64_t saved = 0;      // the ticket of the newest record of the paid receipt
  bool settled = false;    // the tracker has it closed (the sale closes first)
  // The supply of the rendition the viewer asked for last (null: none yet).
  // The segment after the one sent is made ready beforehand unless the
  // viewer has just switched rendition: it may switch again, and making the
  // next one ready in this rendition would be work wasted.
  const SegmentSupply* last_asked = nullptr;
};

}  // namespace tollstream
