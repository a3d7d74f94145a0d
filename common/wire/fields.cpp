#include "common/wire/fields.h"

#include <cmath>

#include "common/base/amount.h"
#include "common/base/hex.h"
#include "common/protocol/address.h"

namespace tollstream {
namespace {

const json& EmptyObject() {
  static const json empty = json::object();
  return empty;
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

bool IsValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::optional<uint64_t> FindAmount(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  if (!it->is_number_unsigned() && it->get<int64_t>() < 0) return std::nullopt;
  uint64_t v = it->get<uint64_t>();
  if (v > kMaxAmount) return std::nullopt;
  return v;
}

std::optional<bool> FindBool(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

std::optional<std::string> FindString(const json& object, std::string_view key) {
  if (!object.is_object()) return std::nullopt;
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

ObjectReader::ObjectReader(const json& object, std::string path)
    : m_object(object), m_path(std::move(path)) {
  if (!m_object.is_object()) {
    m_error = MakeError(ErrorCode::kInvalidField, m_path + " must be a JSON object");
  }
}

std::string ObjectReader::Where(std::string_view key) const {
  return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

void ObjectReader::Fail(std::string_view key, std::string_view what) {
  if (m_error) return;
  m_error = MakeError(ErrorCode::kInvalidField, Where(key) + " " + std::string(what));
}

const json* ObjectReader::Find(std::string_view key) {
  if (m_error) return nullptr;
  auto it = m_object.find(key);
  if (it == m_object.end()) {
    Fail(key, "is missing");
    return nullptr;
  }
  m_read.emplace(key);
  return &*it;
}

bool ObjectReader::Has(std::string_view key) {
  if (m_error || !m_object.contains(key)) return false;
  m_read.emplace(key);
  return true;
}

std::string ObjectReader::String(std::string_view key, size_t min_len, size_t max_len) {
  const json* v = Find(key);
  if (v == nullptr) return {};
  if (!v->is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() < min_len || s.size() > max_len) {
    Fail(key,
         "must be " + std::to_string(min_len) + " to " + std::to_string(max_len) + " bytes long");
    return {};
  }
  return s;
}

std::string ObjectReader::Name(std::string_view key) {
  std::string s = String(key, 1, 64);
  if (ok() && !IsValidName(s)) {
    Fail(key, "may hold only letters, digits, '.', '_' and '-'");
    return {};
  }
  return s;
}

uint64_t ObjectReader::Amount(std::string_view key) {
  const json* v = Find(key);
  return v == nullptr ? 0 : AmountValue(*v, key);
}

std::vector<uint64_t> ObjectReader::Amounts(std::string_view key, size_t min_items,
                                            size_t max_items) {
  const json& array = Array(key, min_items, max_items);
  std::vector<uint64_t> out;
  for (size_t i = 0; i < array.size() && ok(); ++i) {
    out.push_back(AmountValue(array[i], std::string(key) + "[" + std::to_string(i) + "]"));
  }
  return out;
}

uint64_t ObjectReader::AmountValue(const json& value, std::string_view key) {
  const json* v = &value;
  if (v->is_number_unsigned() && v->get<uint64_t>() <= kMaxAmount) return v->get<uint64_t>();
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() >= 0 &&
      static_cast<uint64_t>(v->get<int64_t>()) <= kMaxAmount) {
    return static_cast<uint64_t>(v->get<int64_t>());
  }
  if (v->is_number_integer() && !v->is_number_unsigned() && v->get<int64_t>() < 0) {
    Fail(key, "must not be negative");
  } else if (v->is_number_float() &&
             std::fabs(v->get<double>()) <= static_cast<double>(kMaxAmount)) {
    Fail(key, "must be a whole number from 0 to 2^53-1, without fraction or exponent");
  } else if (v->is_number()) {  // 2^64 and beyond are parsed as floating-point numbers
    Fail(key, "is out of range: at most 2^53-1 (9007199254740991)");
  } else {
    Fail(key, "must be an integer");
  }
  return 0;
}

int64_t ObjectReader::Integer(std::string_view key, int64_t min, int64_t max) {
  const json* v = Find(key);
  if (v == nullptr) return 0;
  if (!v->is_number_integer()) {
    Fail(key, "must be an integer");
    return 0;
  }
  bool in_range = v->is_number_unsigned() ? v->get<uint64_t>() <= static_cast<uint64_t>(max) &&
                                                static_cast<int64_t>(v->get<uint64_t>()) >= min
                                          : v->get<int64_t>() >= min && v->get<int64_t>() <= max;
  if (!in_range) {
    Fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return 0;
  }
  return v->get<int64_t>();
}

bool ObjectReader::Bool(std::string_view key) {
  const json* v = Find(key);
  if (v == nullptr) return false;
  if (!v->is_boolean()) {
    Fail(key, "must be true or false");
    return false;
  }
  return v->get<bool>();
}

std::string ObjectReader::HexString(std::string_view key, size_t bytes) {
  const json* v = Find(key);
  if (v == nullptr) return {};
  if (!v->is_string() || !IsLowerHex(v->get_ref<const std::string&>(), 2 * bytes)) {
    Fail(key, "must be " + std::to_string(2 * bytes) + " lowercase hex digits");
    return {};
  }
  return v->get<std::string>();
}

std::string ObjectReader::Address(std::string_view key) {
  return HexString(key, 32);
}

std::optional<PublicKey> ObjectReader::Key(std::string_view key) {
  std::string hex = HexString(key, 32);
  if (!ok()) return std::nullopt;
  auto parsed = PublicKey::FromHex(hex);
  if (!parsed) Fail(key, "is not a valid x-only secp256k1 public key");
  return parsed;
}

Signature ObjectReader::Sig(std::string_view key) {
  return Hex<64>(key);
}

const json& ObjectReader::Array(std::string_view key, size_t min_items, size_t max_items) {
  static const json empty = json::array();
  const json* v = Find(key);
  if (v == nullptr) return empty;
  if (!v->is_array()) {
    Fail(key, "must be an array");
    return empty;
  }
  if (v->size() < min_items || v->size() > max_items) {
    Fail(key, "must hold " + std::to_string(min_items) + " to " + std::to_string(max_items) +
                  " elements");
    return empty;
  }
  return *v;
}

const json& ObjectReader::Object(std::string_view key) {
  const json* v = Find(key);
  if (v == nullptr) return EmptyObject();
  if (!v->is_object()) {
    Fail(key, "must be an object");
    return EmptyObject();
  }
  return *v;
}

Status ObjectReader::Finish() {
  if (m_error) return *m_error;
  for (const auto& [key, value] : m_object.items()) {
    if (!m_read.contains(key)) {
      return MakeError(ErrorCode::kInvalidField, Where(key) + " is not a known field");
    }
  }
  return Status::Ok();
}

}  // namespace tollstream
