// Every key of the tracker's ledger in the store: how each is built, and how
// each that is ever read back is parsed. The layout is known here alone.
//
// Key layout (all keys ASCII; numbers as 16 zero-padded lowercase hex digits,
// so that byte order is numeric order; addresses, ids and public keys as 64
// lowercase hex digits, nonces as 32):
//   a/<address>              Account
//   o/<income|spend>/<pk>    OwnerIndex: the owner's current special address
//   c/<contract id>          ContractRecord
//   x/<release time>/<id>    an open contract, by the time its lock is released
//   p/<address>/<id>         an open contract, under its spend and its income address
//   j/<seq>                  JournalEntry: one movement of tokens
//   m/supply                 Supply: {"minted": n, "journal_next": seq}
//   m/totals                 Totals
//   m/indexes                {"open_by_address": true} once the p/ index is built
//   q/<pubkey><nonce>        the answer to an applied request (retries get it again)
//   t/<ts>/<pubkey><nonce>   the same requests by timestamp, for pruning
//
// Builders take their parts as given (callers pass checked addresses, ids and
// non-negative times) and never fail. A parser returns nullopt for any key no
// builder makes from such parts: another prefix, a part too short or too long
// or not lowercase hex, a time beyond int64, bytes left over.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/crypto/keys.h"
#include "tracker/ledger_records.h"

namespace tollstream::keys {

// The keys of one kind: every key k with first <= k < limit. A scan seeks
// `first` and stops at the first key the range does not contain.
struct KeyRange {
  std::string_view first;
  std::string_view limit;

  bool Contains(std::string_view key) const { return first <= key && key < limit; }
};
inline constexpr KeyRange kAccounts{"a/", "a0"};  // '0' is the byte after '/'
inline constexpr KeyRange kOwners{"o/", "o0"};
inline constexpr KeyRange kContracts{"c/", "c0"};
inline constexpr KeyRange kReleases{"x/", "x0"};  // soonest release first
inline constexpr KeyRange kOpenByAddress{"p/", "p0"};
inline constexpr KeyRange kJournal{"j/", "j0"};  // in seq order
inline constexpr KeyRange kAnswers{"q/", "q0"};
inline constexpr KeyRange kAnswersByTime{"t/", "t0"};  // oldest request first

std::string Account(std::string_view address);
// `kind` is kIncome or kSpend.
std::string Owner(AccountKind kind, const PublicKey& owner);
std::string Contract(std::string_view id_hex);
std::string Release(int64_t release_at, std::string_view id_hex);
std::string OpenByAddress(std::string_view address, std::string_view id_hex);
// The first key of `address`'s entries in kOpenByAddress, and the key after its last.
std::string OpenByAddressFirst(std::string_view address);
std::string OpenByAddressLimit(std::string_view address);
std::string Journal(uint64_t seq);
inline constexpr const char* kSupply = "m/supply";
inline constexpr const char* kTotals = "m/totals";
inline constexpr const char* kIndexes = "m/indexes";
std::string Answer(const PublicKey& signer, std::string_view nonce);
std::string AnswerByTime(int64_t ts, const PublicKey& signer, std::string_view nonce);

// The parts of a release key.
struct ReleaseKey {
  int64_t release_at = 0;
  std::string id;  // the contract's id, hex
};

// The parts of an open-by-address key.
struct OpenByAddressKey {
  std::string address;
  std::string id;  // the contract's id, hex
};

// The parts of an owner key.
struct OwnerKey {
  AccountKind kind = AccountKind::kIncome;  // kIncome or kSpend
  std::string owner;                        // the owner's public key, hex
};

// The parts of an answer key.
struct AnswerKey {
  std::string signer;  // the request's signer, hex
  std::string nonce;   // its nonce, hex
};

// The parts of an answer-by-time key.
struct AnswerByTimeKey {
  int64_t ts = 0;      // the request's timestamp
  std::string answer;  // the key of the same request's answer (q/)
};

std::optional<std::string> ParseAccountKey(std::string_view key);  // the address
std::optional<OwnerKey> ParseOwnerKey(std::string_view key);
std::optional<std::string> ParseContractKey(std::string_view key);  // the contract's id
std::optional<ReleaseKey> ParseReleaseKey(std::string_view key);
std::optional<OpenByAddressKey> ParseOpenByAddressKey(std::string_view key);
std::optional<uint64_t> ParseJournalKey(std::string_view key);  // the seq
std::optional<AnswerKey> ParseAnswerKey(std::string_view key);
std::optional<AnswerByTimeKey> ParseAnswerByTimeKey(std::string_view key);

}  // namespace tollstream::keys
