#include "common/wire/json.h"

#include <cmath>
#include <vector>

namespace tollstream {
namespace {

// Builds the document, refusing duplicate keys and deep nesting.
class StrictSax {
 public:
  explicit StrictSax(size_t max_depth) : m_max_depth(max_depth) {}

  bool null() { return Put(json(nullptr)); }
  bool boolean(bool v) { return Put(json(v)); }
  bool number_integer(json::number_integer_t v) { return Put(json(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return Put(json(v)); }
  bool number_float(json::number_float_t v, const json::string_t&) { return Put(json(v)); }
  bool string(json::string_t& v) { return Put(json(std::move(v))); }
  bool binary(json::binary_t&) { return Fail("binary values are not JSON"); }

  bool start_object(size_t) { return Open(json::object()); }
  bool start_array(size_t) { return Open(json::array()); }
  bool end_object() { return Close(); }
  bool end_array() { return Close(); }

  bool key(json::string_t& k) {
    json& object = *m_stack.back();
    if (object.contains(k)) return Fail("duplicate key \"" + k + "\"");
    m_key = std::move(k);
    return true;
  }

  bool parse_error(size_t position, const std::string&, const nlohmann::detail::exception& e) {
    m_error = "at byte " + std::to_string(position) + ": " + Reason(e.what());
    return false;
  }

  json& root() { return m_root; }
  const std::string& error() const { return m_error; }

 private:
  static std::string Reason(const std::string& what) {
    // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
    auto pos = what.rfind(": ");
    return pos == std::string::npos ? what : what.substr(pos + 2);
  }

  bool Fail(std::string message) {
    m_error = std::move(message);
    return false;
  }

  // Places `value` where the parser is; returns the stored value's address.
  json* Place(json value) {
    if (m_stack.empty()) {
      m_root = std::move(value);
      return &m_root;
    }
    json& parent = *m_stack.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[m_key];
    slot = std::move(value);
    return &slot;
  }

  bool Put(json value) {
    Place(std::move(value));
    return true;
  }

  bool Open(json container) {
    if (m_stack.size() >= m_max_depth) {
      return Fail("nesting deeper than " + std::to_string(m_max_depth) + " levels");
    }
    m_stack.push_back(Place(std::move(container)));
    return true;
  }

  bool Close() {
    m_stack.pop_back();
    return true;
  }

  size_t m_max_depth;
  json m_root;
  std::vector<json*> m_stack;
  std::string m_key;
  std::string m_error;
};

}  // namespace

Result<json> ParseStrict(std::string_view text, size_t max_depth) {
  StrictSax sax(max_depth);
  bool ok = json::sax_parse(text.begin(), text.end(), &sax, json::input_format_t::json,
                            /*strict=*/true, /*ignore_comments=*/false);
  if (!ok) {
    std::string why = sax.error().empty() ? "not valid JSON" : sax.error();
    return MakeError(ErrorCode::kMalformedJson, "malformed JSON: " + why);
  }
  return std::move(sax.root());
}

std::optional<std::string> FindNonInteger(const json& value, const std::string& path) {
  if (value.is_number_float()) {
    std::string where = path.empty() ? std::string("(the value)") : path;
    // 2^53-1, the largest whole number the protocol has; a double holds it exactly.
    if (std::fabs(value.get<double>()) > 9007199254740991.0) {
      return where + " is out of range (the protocol's numbers are whole numbers from 0 to 2^53-1)";
    }
    return where + " must be a whole number (the protocol has no fractions or exponents)";
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      auto found = FindNonInteger(member, path.empty() ? key : path + "." + key);
      if (found) return found;
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      auto found = FindNonInteger(value[i], path + "[" + std::to_string(i) + "]");
      if (found) return found;
    }
  }
  return std::nullopt;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xe  ? 3
                 : (c >> 3) == 0x1e ? 4
                                    : 0;
    bool ok = len > 0 && i + len <= text.size();
    for (size_t k = 1; ok && k < len; ++k)
      ok = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
    if (ok && len > 1) {  // refuse overlong forms, surrogates and code points above U+10FFFF
      uint32_t cp = c & (0x7f >> len);
      for (size_t k = 1; k < len; ++k)
        cp = cp << 6 | (static_cast<unsigned char>(text[i + k]) & 0x3f);
      ok = !(len == 2 && cp < 0x80) && !(len == 3 && cp < 0x800) && !(len == 4 && cp < 0x10000) &&
           !(cp >= 0xd800 && cp <= 0xdfff) && cp <= 0x10ffff;
    }
    if (ok) {
      out.append(text.substr(i, len));
      i += len;
    } else {
      out += '?';
      i += 1;
    }
  }
  return out;
}

std::string Canonical(const json& value) {
  return value.dump();
}

std::string CanonicalWithout(const json& object, std::string_view skip) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, member] : object.items()) {
    if (key == skip) continue;
    if (!first) out += ',';
    first = false;
    out += json(key).dump();
    out += ':';
    out += member.dump();
  }
  out += '}';
  return out;
}

}  // namespace tollstream
