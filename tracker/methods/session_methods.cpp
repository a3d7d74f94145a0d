#include "common/protocol/address.h"
#include "common/wire/fields.h"
#include "tracker/methods/methods.h"

namespace tollstream {

void RegisterSessionMethods(TrackerService& service, size_t max_body_bytes) {
  // handshake: the client learns (and pins) the tracker's key. The answer
  // echoes the client's request id, so it also proves the key is live.
  service.AddMethod(
      "handshake", TrackerService::Kind::kStateless,
      [&service, max_body_bytes](const Request& req) -> Result<TrackerService::Apply> {
        ObjectReader r(req.params, "params");
        if (r.Has("agent")) r.String("agent", 0, 128);
        if (Status s = r.Finish(); !s) return s.error();
        return TrackerService::Apply([&service, max_body_bytes, signer = req.signer](
                                         LedgerTxn&, int64_t now) -> Result<json> {
          const ServiceConfig& c = service.config();
          return json{{"tracker", service.public_key().ToHex()},
                      {"address", AddressOf(service.public_key())},
                      {"code", KeyCode(service.public_key())},
                      {"versions", json::array({kProtocolVersion})},
                      {"time", now},
                      {"you", AddressOf(signer)},
                      {"max_clock_skew", c.max_clock_skew},
                      {"grace_seconds", c.ledger.grace_seconds},
                      {"max_contract_seconds", c.ledger.max_contract_seconds},
                      {"max_body_bytes", max_body_bytes}};
        });
      });
}

void RegisterAllMethods(TrackerService& service, StreamRegistry& registry, AuditRunner& audits,
                        size_t max_body_bytes) {
  RegisterSessionMethods(service, max_body_bytes);
  RegisterAccountMethods(service);
  RegisterAddressMethods(service);
  RegisterContractMethods(service);
  RegisterStreamMethods(service, registry);
  RegisterAuditMethods(service, audits);
}

}  // namespace tollstream
