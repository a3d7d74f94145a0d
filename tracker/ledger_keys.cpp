#include "tracker/ledger_keys.h"

#include <limits>

#include "common/base/hex.h"
#include "common/wire/envelope.h"

namespace tollstream::keys {
namespace {

constexpr size_t kNumberDigits = 16;
constexpr size_t kHashDigits = 64;  // addresses, contract ids, public keys
constexpr size_t kNonceDigits = 2 * kNonceBytes;
constexpr std::string_view kSeparator = "/";

std::string HexU64(uint64_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kNumberDigits, '0');
  for (size_t i = kNumberDigits; i-- > 0; n >>= 4) out[i] = kDigits[n & 0xf];
  return out;
}

std::string HexTime(int64_t t) {
  return HexU64(static_cast<uint64_t>(t));
}

// Each Take removes its part from the front of `rest`, or fails.
bool TakeLiteral(std::string_view& rest, std::string_view literal) {
  if (!rest.starts_with(literal)) return false;
  rest.remove_prefix(literal.size());
  return true;
}

std::optional<std::string_view> TakeHex(std::string_view& rest, size_t digits) {
  if (rest.size() < digits || !IsLowerHex(rest.substr(0, digits), digits)) return std::nullopt;
  std::string_view part = rest.substr(0, digits);
  rest.remove_prefix(digits);
  return part;
}

std::optional<uint64_t> TakeNumber(std::string_view& rest) {
  auto digits = TakeHex(rest, kNumberDigits);
  if (!digits) return std::nullopt;
  auto bytes = FromHexFixed<kNumberDigits / 2>(*digits);
  if (!bytes) return std::nullopt;
  uint64_t n = 0;
  for (uint8_t b : *bytes) n = n << 8 | b;
  return n;
}

std::optional<int64_t> TakeTime(std::string_view& rest) {
  auto n = TakeNumber(rest);
  if (!n || *n > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(*n);
}

// The key of a kind with a single hex part: `range.first` then `digits` digits.
std::optional<std::string> ParseHexKey(std::string_view key, const KeyRange& range, size_t digits) {
  if (!TakeLiteral(key, range.first)) return std::nullopt;
  auto part = TakeHex(key, digits);
  if (!part || !key.empty()) return std::nullopt;
  return std::string(*part);
}

template <typename... Parts>
std::string Joined(const Parts&... parts) {
  std::string out;
  (out.append(parts), ...);
  return out;
}

}  // namespace

std::string Account(std::string_view address) {
  return Joined(kAccounts.first, address);
}

std::string Owner(AccountKind kind, const PublicKey& owner) {
  return Joined(kOwners.first, KindName(kind), kSeparator, owner.ToHex());
}

std::string Contract(std::string_view id_hex) {
  return Joined(kContracts.first, id_hex);
}

std::string Release(int64_t release_at, std::string_view id_hex) {
  return Joined(kReleases.first, HexTime(release_at), kSeparator, id_hex);
}

std::string OpenByAddress(std::string_view address, std::string_view id_hex) {
  return Joined(kOpenByAddress.first, address, kSeparator, id_hex);
}

std::string OpenByAddressFirst(std::string_view address) {
  return Joined(kOpenByAddress.first, address, kSeparator);
}

std::string OpenByAddressLimit(std::string_view address) {
  return Joined(kOpenByAddress.first, address, "0");  // '0' is the byte after '/'
}

std::string Journal(uint64_t seq) {
  return Joined(kJournal.first, HexU64(seq));
}

std::string Answer(const PublicKey& signer, std::string_view nonce) {
  return Joined(kAnswers.first, signer.ToHex(), nonce);
}

std::string AnswerByTime(int64_t ts, const PublicKey& signer, std::string_view nonce) {
  return Joined(kAnswersByTime.first, HexTime(ts), kSeparator, signer.ToHex(), nonce);
}

std::optional<std::string> ParseAccountKey(std::string_view key) {
  return ParseHexKey(key, kAccounts, kHashDigits);
}

std::optional<OwnerKey> ParseOwnerKey(std::string_view key) {
  if (!TakeLiteral(key, kOwners.first)) return std::nullopt;
  for (AccountKind kind : {AccountKind::kIncome, AccountKind::kSpend}) {
    std::string_view rest = key;
    if (!TakeLiteral(rest, KindName(kind)) || !TakeLiteral(rest, kSeparator)) continue;
    auto owner = TakeHex(rest, kHashDigits);
    if (!owner || !rest.empty()) return std::nullopt;
    return OwnerKey{kind, std::string(*owner)};
  }
  return std::nullopt;
}

std::optional<std::string> ParseContractKey(std::string_view key) {
  return ParseHexKey(key, kContracts, kHashDigits);
}

std::optional<ReleaseKey> ParseReleaseKey(std::string_view key) {
  if (!TakeLiteral(key, kReleases.first)) return std::nullopt;
  auto release_at = TakeTime(key);
  if (!release_at || !TakeLiteral(key, kSeparator)) return std::nullopt;
  auto id = TakeHex(key, kHashDigits);
  if (!id || !key.empty()) return std::nullopt;
  return ReleaseKey{*release_at, std::string(*id)};
}

std::optional<OpenByAddressKey> ParseOpenByAddressKey(std::string_view key) {
  if (!TakeLiteral(key, kOpenByAddress.first)) return std::nullopt;
  auto address = TakeHex(key, kHashDigits);
  if (!address || !TakeLiteral(key, kSeparator)) return std::nullopt;
  auto id = TakeHex(key, kHashDigits);
  if (!id || !key.empty()) return std::nullopt;
  return OpenByAddressKey{std::string(*address), std::string(*id)};
}

std::optional<uint64_t> ParseJournalKey(std::string_view key) {
  if (!TakeLiteral(key, kJournal.first)) return std::nullopt;
  auto seq = TakeNumber(key);
  if (!seq || !key.empty()) return std::nullopt;
  return seq;
}

std::optional<AnswerKey> ParseAnswerKey(std::string_view key) {
  if (!TakeLiteral(key, kAnswers.first)) return std::nullopt;
  auto signer = TakeHex(key, kHashDigits);
  auto nonce = signer ? TakeHex(key, kNonceDigits) : std::nullopt;
  if (!nonce || !key.empty()) return std::nullopt;
  return AnswerKey{std::string(*signer), std::string(*nonce)};
}

std::optional<AnswerByTimeKey> ParseAnswerByTimeKey(std::string_view key) {
  if (!TakeLiteral(key, kAnswersByTime.first)) return std::nullopt;
  auto ts = TakeTime(key);
  if (!ts || !TakeLiteral(key, kSeparator)) return std::nullopt;
  auto request = TakeHex(key, kHashDigits + kNonceDigits);  // signer then nonce
  if (!request || !key.empty()) return std::nullopt;
  return AnswerByTimeKey{*ts, Joined(kAnswers.first, *request)};
}

}  // namespace tollstream::keys
