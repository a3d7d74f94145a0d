// libFuzzer target: the signed request envelope, as every endpoint parses it,
// and the canonical form used to check its signature.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/wire/envelope.h"
#include "common/wire/signing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto request = tollstream::ParseRequest(text);
  if (request) {
    (void)tollstream::CheckRequest(*request, request->method, request->signer, request->ts, 120);
  } else {
    // A refusal is answered with its message, which may quote the input.
    tollstream::json body =
        tollstream::ErrorBody("fuzz", tollstream::PublicKey(), std::nullopt, 0, request.error());
    (void)body.dump();
  }
  auto json = tollstream::ParseStrict(text);
  if (json && json->is_object()) (void)tollstream::CanonicalWithout(*json, "sig");
  (void)tollstream::ParseResponse(text, std::nullopt, std::nullopt);
  return 0;
}
