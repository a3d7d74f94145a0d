// BIP-340 sign and verify per second through the project's own code path
// (KeyPair::Sign, PublicKey::Verify) next to a bare libsecp256k1 loop on the
// same context settings, in the same run.
//   signature_bench [--quick]
#include <secp256k1.h>
#include <secp256k1_extrakeys.h>
#include <secp256k1_schnorrsig.h>

#include <cstring>

#include "common/crypto/keys.h"
#include "common/crypto/random.h"
#include "tests/bench/bench_util.h"

using namespace tollstream;
using namespace tollstream::bench;

namespace {

template <typename F>
double OpsPerSecond(double seconds, F op) {
  size_t n = 0;
  auto start = Clock::now();
  auto until =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (Clock::now() < until) {
    for (int i = 0; i < 64; ++i) op(n + static_cast<size_t>(i));
    n += 64;
  }
  return static_cast<double>(n) / Seconds(Clock::now() - start);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 && std::string(argv[1]) == "--quick" ? 0.2 : 2.0;
  KeyPair key = KeyPair::Generate();
  std::vector<Hash256> digests(256);
  for (auto& d : digests) RandomBytes(d);
  std::vector<Signature> sigs;
  for (const auto& d : digests) sigs.push_back(key.Sign(d));

  // The project's path.
  Hash256 sink{};
  double ours_sign =
      OpsPerSecond(seconds, [&](size_t i) { sink[0] ^= key.Sign(digests[i % 256])[0]; });
  size_t ok = 0;
  double ours_verify = OpsPerSecond(
      seconds, [&](size_t i) { ok += key.public_key().Verify(digests[i % 256], sigs[i % 256]); });

  // The bare library: one randomized context, a keypair and parsed key made once.
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  std::array<uint8_t, 32> seed;
  RandomBytes(seed);
  if (secp256k1_context_randomize(ctx, seed.data()) != 1) return 1;
  SecretBytes secret = key.secret();
  secp256k1_keypair kp;
  secp256k1_xonly_pubkey xonly;
  if (secp256k1_keypair_create(ctx, &kp, secret.data()) != 1 ||
      secp256k1_keypair_xonly_pub(ctx, &xonly, nullptr, &kp) != 1) {
    return 1;
  }
  std::array<uint8_t, 32> aux;
  RandomBytes(aux);
  unsigned char out[64];
  double bare_sign = OpsPerSecond(seconds, [&](size_t i) {
    (void)secp256k1_schnorrsig_sign32(ctx, out, digests[i % 256].data(), &kp, aux.data());
    sink[1] ^= out[0];
  });
  double bare_verify = OpsPerSecond(seconds, [&](size_t i) {
    ok +=
        secp256k1_schnorrsig_verify(ctx, sigs[i % 256].data(), digests[i % 256].data(), 32, &xonly);
  });
  secp256k1_context_destroy(ctx);
  if (ok == 0) return 1;

  Report(
      "signatures.sign",
      {{"ours_per_s", ours_sign}, {"ceiling_per_s", bare_sign}, {"ratio", ours_sign / bare_sign}});
  Report("signatures.verify", {{"ours_per_s", ours_verify},
                               {"ceiling_per_s", bare_verify},
                               {"ratio", ours_verify / bare_verify}});
  // Printing the sink keeps the loops from being optimized away.
  std::fprintf(stderr, "sink %02x%02x\n", sink[0], sink[1]);
  return 0;
}
