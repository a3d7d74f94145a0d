// The ledger's keys: each builder's exact bytes (the format on disk), every
// parser the inverse of its builder, byte order equal to numeric order for
// the numbers, each key inside its kind's range and no other, and any key no
// builder makes parsed to nullopt.
#include "tracker/ledger_keys.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace tollstream::keys {
namespace {

// The x coordinate of secp256k1's generator: a valid x-only public key.
const std::string kPkHex = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
const std::string kId = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string kAddress = "f0e1d2c3b4a5968778695a4b3c2d1e0ff0e1d2c3b4a5968778695a4b3c2d1e0f";
const std::string kNonce = "0123456789abcdef0123456789abcdef";
constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();

PublicKey Pk() {
  auto pk = PublicKey::FromHex(kPkHex);
  REQUIRE(pk.has_value());
  return *pk;
}

}  // namespace

TEST_CASE("each builder makes exactly the bytes of the format on disk") {
  struct Case {
    std::string built;
    std::string expected;
  };
  std::vector<Case> cases = {
      {Account(kAddress), "a/" + kAddress},
      {Owner(AccountKind::kIncome, Pk()), "o/income/" + kPkHex},
      {Owner(AccountKind::kSpend, Pk()), "o/spend/" + kPkHex},
      {Contract(kId), "c/" + kId},
      {Release(0, kId), "x/0000000000000000/" + kId},
      {Release(1700000300, kId), "x/000000006553f22c/" + kId},
      {Release(kMaxTime, kId), "x/7fffffffffffffff/" + kId},
      {OpenByAddress(kAddress, kId), "p/" + kAddress + "/" + kId},
      {OpenByAddressFirst(kAddress), "p/" + kAddress + "/"},
      {OpenByAddressLimit(kAddress), "p/" + kAddress + "0"},
      {kIndexes, "m/indexes"},
      {Journal(0), "j/0000000000000000"},
      {Journal(255), "j/00000000000000ff"},
      {Journal(std::numeric_limits<uint64_t>::max()), "j/ffffffffffffffff"},
      {kSupply, "m/supply"},
      {kTotals, "m/totals"},
      {Answer(Pk(), kNonce), "q/" + kPkHex + kNonce},
      {AnswerByTime(1700000000, Pk(), kNonce), "t/000000006553f100/" + kPkHex + kNonce},
  };
  for (const auto& c : cases) {
    CAPTURE(c.expected);
    CHECK(c.built == c.expected);
  }
}

TEST_CASE("each parser gives back the parts its builder was given") {
  for (const std::string& address : {kAddress, std::string(64, '0'), std::string(64, 'f')}) {
    CHECK(ParseAccountKey(Account(address)) == address);
    CHECK(ParseContractKey(Contract(address)) == address);
    auto open = ParseOpenByAddressKey(OpenByAddress(address, kId));
    REQUIRE(open.has_value());
    CHECK(open->address == address);
    CHECK(open->id == kId);
    // Its entries lie between its first and limit keys, and no other address's.
    std::string first = OpenByAddressFirst(address), limit = OpenByAddressLimit(address);
    KeyRange own{first, limit};
    CHECK(own.Contains(OpenByAddress(address, std::string(64, 'f'))));
    CHECK(own.Contains(OpenByAddress(address, std::string(64, '0'))));
    CHECK_FALSE(own.Contains(OpenByAddress(kId, kId)));
  }
  for (int64_t t : {int64_t{0}, int64_t{1}, int64_t{1700000000}, kMaxTime}) {
    CAPTURE(t);
    auto release = ParseReleaseKey(Release(t, kId));
    REQUIRE(release.has_value());
    CHECK(release->release_at == t);
    CHECK(release->id == kId);
    auto by_time = ParseAnswerByTimeKey(AnswerByTime(t, Pk(), kNonce));
    REQUIRE(by_time.has_value());
    CHECK(by_time->ts == t);
    CHECK(by_time->answer == Answer(Pk(), kNonce));
  }
  for (uint64_t seq :
       {uint64_t{0}, uint64_t{1}, uint64_t{1} << 53, std::numeric_limits<uint64_t>::max()}) {
    CHECK(ParseJournalKey(Journal(seq)) == seq);
  }
  for (AccountKind kind : {AccountKind::kIncome, AccountKind::kSpend}) {
    auto owner = ParseOwnerKey(Owner(kind, Pk()));
    REQUIRE(owner.has_value());
    CHECK(owner->kind == kind);
    CHECK(owner->owner == kPkHex);
  }
  auto answer = ParseAnswerKey(Answer(Pk(), kNonce));
  REQUIRE(answer.has_value());
  CHECK(answer->signer == kPkHex);
  CHECK(answer->nonce == kNonce);
}

TEST_CASE("byte order is numeric order, and a release's time orders before its id") {
  std::vector<uint64_t> numbers = {
      0,    1,     9,       10,       15,         16,         255,        256,
      4095, 65536, 1 << 30, 1u << 31, 1ull << 32, 1ull << 40, 1ull << 53, uint64_t(kMaxTime)};
  for (size_t i = 1; i < numbers.size(); ++i) {
    uint64_t a = numbers[i - 1], b = numbers[i];
    CAPTURE(a);
    CAPTURE(b);
    REQUIRE(a < b);
    auto ta = static_cast<int64_t>(a), tb = static_cast<int64_t>(b);
    CHECK(Journal(a) < Journal(b));
    CHECK(Release(ta, std::string(64, 'f')) < Release(tb, std::string(64, '0')));
    CHECK(AnswerByTime(ta, Pk(), "ffffffffffffffffffffffffffffffff") <
          AnswerByTime(tb, Pk(), "00000000000000000000000000000000"));
  }
  CHECK(Release(5, std::string(64, '0')) < Release(5, std::string(64, '1')));
}

TEST_CASE("every key lies in its kind's range and in no other") {
  struct Kind {
    const KeyRange* range;
    std::string key;
  };
  std::vector<Kind> kinds = {
      {&kAccounts, Account(kAddress)},
      {&kOwners, Owner(AccountKind::kSpend, Pk())},
      {&kContracts, Contract(kId)},
      {&kReleases, Release(kMaxTime, std::string(64, 'f'))},
      {&kOpenByAddress, OpenByAddress(std::string(64, 'f'), std::string(64, 'f'))},
      {&kJournal, Journal(std::numeric_limits<uint64_t>::max())},
      {&kAnswers, Answer(Pk(), kNonce)},
      {&kAnswersByTime, AnswerByTime(kMaxTime, Pk(), kNonce)},
  };
  for (const auto& own : kinds) {
    CAPTURE(own.key);
    CHECK(own.range->Contains(own.key));
    CHECK(own.range->Contains(own.range->first));
    CHECK_FALSE(own.range->Contains(own.range->limit));
    for (const auto& other : kinds) {
      if (other.range != own.range) CHECK_FALSE(other.range->Contains(own.key));
    }
  }
  for (const char* meta : {kSupply, kTotals, kIndexes}) {
    for (const auto& kind : kinds) CHECK_FALSE(kind.range->Contains(meta));
  }
}

TEST_CASE("a key no builder makes parses to nullopt") {
  using Parses = std::function<bool(std::string_view)>;
  Parses account = [](std::string_view k) { return ParseAccountKey(k).has_value(); };
  Parses contract = [](std::string_view k) { return ParseContractKey(k).has_value(); };
  Parses release = [](std::string_view k) { return ParseReleaseKey(k).has_value(); };
  Parses journal = [](std::string_view k) { return ParseJournalKey(k).has_value(); };
  Parses open = [](std::string_view k) { return ParseOpenByAddressKey(k).has_value(); };
  Parses by_time = [](std::string_view k) { return ParseAnswerByTimeKey(k).has_value(); };
  Parses owner = [](std::string_view k) { return ParseOwnerKey(k).has_value(); };
  Parses answer = [](std::string_view k) { return ParseAnswerKey(k).has_value(); };
  const std::string upper_id = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF";
  std::string bad_hex = kId;
  bad_hex[10] = 'g';
  const std::string time = "000000006553f100/";
  const std::string request = kPkHex + kNonce;
  struct Case {
    const char* name;
    Parses* parses;
    std::string key;
  };
  std::vector<Case> cases = {
      {"account: empty", &account, ""},
      {"account: the prefix alone", &account, "a/"},
      {"account: another prefix", &account, "c/" + kAddress},
      {"account: no separator", &account, "a" + kAddress},
      {"account: one digit short", &account, "a/" + kAddress.substr(1)},
      {"account: a byte over", &account, "a/" + kAddress + "0"},
      {"account: uppercase", &account, "a/" + upper_id},
      {"account: not hex", &account, "a/" + bad_hex},
      {"contract: another prefix", &contract, "a/" + kId},
      {"contract: one digit short", &contract, "c/" + kId.substr(1)},
      {"contract: a byte over", &contract, "c/" + kId + "/"},
      {"contract: uppercase", &contract, "c/" + upper_id},
      {"contract: not hex", &contract, "c/" + bad_hex},
      {"release: another prefix", &release, "t/" + time + kId},
      {"release: the prefix alone", &release, "x/"},
      {"open: another prefix", &open, "x/" + kAddress + "/" + kId},
      {"open: no id", &open, "p/" + kAddress + "/"},
      {"open: no separator", &open, "p/" + kAddress + kId},
      {"open: an id digit short", &open, "p/" + kAddress + "/" + kId.substr(1)},
      {"open: a byte over", &open, "p/" + kAddress + "/" + kId + "0"},
      {"open: uppercase", &open, "p/" + upper_id + "/" + kId},
      {"release: no id", &release, "x/" + time},
      {"release: no separator", &release, "x/000000006553f100" + kId},
      {"release: a short time", &release, "x/00000006553f100/" + kId},
      {"release: a time beyond int64", &release, "x/8000000000000000/" + kId},
      {"release: an uppercase time", &release, "x/000000006553F100/" + kId},
      {"release: a short id", &release, "x/" + time + kId.substr(2)},
      {"release: a byte over", &release, "x/" + time + kId + "0"},
      {"release: an uppercase id", &release, "x/" + time + upper_id},
      {"journal: another prefix", &journal, "x/0000000000000001"},
      {"journal: the prefix alone", &journal, "j/"},
      {"journal: a digit short", &journal, "j/000000000000001"},
      {"journal: a digit over", &journal, "j/00000000000000001"},
      {"journal: a separator over", &journal, "j/0000000000000001/"},
      {"journal: uppercase", &journal, "j/00000000000000FF"},
      {"journal: not hex", &journal, "j/000000000000000g"},
      {"owner: another prefix", &owner, "a/income/" + kPkHex},
      {"owner: an ordinary kind", &owner, "o/ordinary/" + kPkHex},
      {"owner: no separator", &owner, "o/income" + kPkHex},
      {"owner: a digit short", &owner, "o/spend/" + kPkHex.substr(1)},
      {"owner: a byte over", &owner, "o/spend/" + kPkHex + "0"},
      {"owner: uppercase", &owner, "o/spend/" + upper_id},
      {"answer: another prefix", &answer, "t/" + request},
      {"answer: a nonce digit short", &answer, "q/" + request.substr(1)},
      {"answer: a byte over", &answer, "q/" + request + "0"},
      {"answer: uppercase", &answer, "q/" + upper_id + kNonce},
      {"by time: another prefix", &by_time, "q/" + time + request},
      {"by time: the answer's key", &by_time, "q/" + request},
      {"by time: no separator", &by_time, "t/000000006553f100" + request},
      {"by time: a time beyond int64", &by_time, "t/ffffffffffffffff/" + request},
      {"by time: a short nonce", &by_time, "t/" + time + request.substr(1)},
      {"by time: a byte over", &by_time, "t/" + time + request + "0"},
      {"by time: not hex", &by_time, "t/" + time + kPkHex + "0123456789abcdef0123456789abcdeg"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    CHECK_FALSE((*c.parses)(c.key));
  }
}

}  // namespace tollstream::keys
