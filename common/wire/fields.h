// Typed reading of a JSON object received from the network.
//
// A reader checks fields one by one and keeps the first error; getters return
// a harmless default once an error is kept, so a parse reads as a list of
// fields followed by Finish(). Finish() also refuses members that were never
// read: a message carries exactly the fields its schema lists.
//
//   ObjectReader r(body, "params");
//   std::string to = r.Address("to");
//   uint64_t amount = r.Amount("amount");
//   if (Status s = r.Finish(); !s) return s.error();
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/hex.h"
#include "common/base/result.h"
#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream {

// A name (stream, method): 1..64 characters of [A-Za-z0-9._-].
bool IsValidName(std::string_view name);

// Lenient reads of an answer from another node: nullopt when `key` is
// missing or of another type, never an exception.
std::optional<uint64_t> FindAmount(const json& object, std::string_view key);
std::optional<bool> FindBool(const json& object, std::string_view key);
std::optional<std::string> FindString(const json& object, std::string_view key);

class ObjectReader {
 public:
  // `path` names the object in error messages ("params", "contract.terms").
  // The reader refers to `object`, which must outlive it.
  ObjectReader(const json& object, std::string path);
  ObjectReader(json&& object, std::string path) = delete;

  bool ok() const { return !m_error.has_value(); }

  // Each required getter records an error when the field is missing or invalid.
  std::string String(std::string_view key, size_t min_len, size_t max_len);
  // A name: 1..64 characters of [A-Za-z0-9._-].
  std::string Name(std::string_view key);
  // Token amount or counter: integer in 0 ... 2^53-1.
  uint64_t Amount(std::string_view key);
  // An array of `min_items` to `max_items` amounts.
  std::vector<uint64_t> Amounts(std::string_view key, size_t min_items, size_t max_items);
  // Integer in [min, max].
  int64_t Integer(std::string_view key, int64_t min, int64_t max);
  bool Bool(std::string_view key);
  // Exactly 2*N lowercase hex digits.
  template <size_t N>
  std::array<uint8_t, N> Hex(std::string_view key);
  std::string HexString(std::string_view key, size_t bytes);
  std::string Address(std::string_view key);
  // A valid x-only public key; the returned optional is empty only on error.
  std::optional<PublicKey> Key(std::string_view key);
  Signature Sig(std::string_view key);
  // A member that must be an object; returns an empty object on error.
  const json& Object(std::string_view key);
  // A member that must be an array of `min_items` to `max_items`
  // elements; returns an empty array on error.
  const json& Array(std::string_view key, size_t min_items, size_t max_items);

  // True when `key` is present (and marks it read). Use before an optional getter.
  bool Has(std::string_view key);

  // The first error, or an error for the first unread member.
  Status Finish();

  // Records an error about `key` (for rules that span fields).
  void Fail(std::string_view key, std::string_view what);

 private:
  const json* Find(std::string_view key);
  // `v`, the value of member `key`, as an amount (0 and an error if it is none).
  uint64_t AmountValue(const json& v, std::string_view key);
  std::string Where(std::string_view key) const;

  const json& m_object;
  std::string m_path;
  std::set<std::string, std::less<>> m_read;
  std::optional<Error> m_error;
};

template <size_t N>
std::array<uint8_t, N> ObjectReader::Hex(std::string_view key) {
  std::array<uint8_t, N> out{};
  const json* v = Find(key);
  if (v == nullptr) return out;
  if (!v->is_string()) {
    Fail(key, "must be a string of " + std::to_string(2 * N) + " lowercase hex digits");
    return out;
  }
  auto bytes = FromHexFixed<N>(v->get_ref<const std::string&>());
  if (!bytes) {
    Fail(key, "must be " + std::to_string(2 * N) + " lowercase hex digits");
    return out;
  }
  return *bytes;
}

}  // namespace tollstream
