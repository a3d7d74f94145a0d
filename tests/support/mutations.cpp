#include "tests/support/mutations.h"

#include <functional>

#include "common/base/clock.h"
#include "common/base/hex.h"
#include "common/crypto/random.h"
#include "common/wire/signing.h"

namespace tollstream::test {
namespace {

bool IsHexText(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 && IsLowerHex(s, s.size());
}

// Wrong values for a member whose valid value is `v`.
std::vector<std::pair<std::string, json>> BadValues(const json& v) {
  std::vector<std::pair<std::string, json>> out = {{"null", nullptr}, {"array", json::array()}};
  if (!v.is_object()) out.emplace_back("object", json::object());
  if (v.is_number()) {
    out.insert(out.end(), {{"negative", -1},
                           {"fraction", 1.5},
                           {"2^53", uint64_t{1} << 53},
                           {"2^64", json::parse("18446744073709551616")},
                           {"exponent", json::parse("1e3")},
                           {"string", "1"},
                           {"bool", true}});
  } else if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    out.insert(out.end(), {{"number", 5}, {"bool", false}});
    if (IsHexText(s)) {
      std::string upper = s, bad = s;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      bad[0] = 'g';
      out.insert(out.end(), {{"hex one digit short", s.substr(1)},
                             {"hex one digit long", s + "0"},
                             {"hex one byte short", s.substr(2)},
                             {"hex uppercase", upper},
                             {"hex bad digit", bad},
                             {"empty", ""}});
      if (s.size() != 64) out.emplace_back("hex 64 zeros", std::string(64, '0'));
    }
  } else if (v.is_object()) {
    out.insert(out.end(), {{"string", "x"}, {"number", 1}});
  }
  return out;
}

void Walk(
    const json& node, const json::json_pointer& at, const std::string& path,
    const std::function<void(const json::json_pointer&, const std::string&, const json&)>& visit) {
  visit(at, path, node);
  if (!node.is_object()) return;
  for (const auto& [key, member] : node.items()) Walk(member, at / key, path + "." + key, visit);
}

}  // namespace

std::vector<Mutation> MutateRequest(const json& valid, const KeyPair& signer,
                                    const std::set<std::string>& optional) {
  std::vector<Mutation> out;
  auto resigned = [&](std::string name, json body) {
    body.erase("sig");
    SignInPlace(SignedKind::kRequest, signer, body);
    out.push_back({std::move(name), body.dump()});
  };

  // Every params member: removed, of every wrong type, out of range; an extra member.
  Walk(valid["params"], json::json_pointer("/params"), "params",
       [&](const json::json_pointer& at, const std::string& path, const json& value) {
         if (path != "params") {
           if (!optional.contains(path)) {
             json removed = valid;
             removed[at.parent_pointer()].erase(at.back());
             resigned(path + " removed", removed);
           }
           for (auto& [what, bad] : BadValues(value)) {
             json changed = valid;
             changed[at] = bad;
             resigned(path + " as " + what, changed);
           }
         }
         if (value.is_object()) {
           json extra = valid;
           extra[at]["unexpected"] = 1;
           resigned(path + " with an extra member", extra);
         }
       });

  // The envelope's own members.
  for (const char* member : {"v", "method", "tracker", "pubkey", "nonce", "ts", "params"}) {
    if (!valid.contains(member)) continue;
    json removed = valid;
    removed.erase(member);
    resigned(std::string(member) + " removed", removed);
    for (auto& [what, bad] : BadValues(valid[member])) {
      json changed = valid;
      changed[member] = bad;
      resigned(std::string(member) + " as " + what, changed);
    }
  }
  json extra = valid;
  extra["unexpected"] = true;
  resigned("an extra envelope member", extra);
  json version = valid;
  version["v"] = 2;
  resigned("protocol version 2", version);
  json method = valid;
  method["method"] = "mint" == valid["method"] ? "transfer" : "mint";
  resigned("another method than the route's", method);
  json stale = valid;
  stale["ts"] = UnixNow() - 3600;
  resigned("a stale timestamp", stale);
  json future = valid;
  future["ts"] = UnixNow() + 3600;
  resigned("a timestamp an hour ahead", future);
  if (valid.contains("tracker")) {
    json other = valid;
    other["tracker"] = KeyPair::Generate().public_key().ToHex();
    resigned("another tracker's key", other);
  }
  json reused = valid;  // a fresh nonce, so that nothing is a retry of the original
  reused["nonce"] = RandomHex(16);

  // Signatures: changed after signing, by another key, of another kind.
  json altered = valid;
  altered["nonce"] = RandomHex(16);
  out.push_back({"changed after signing", altered.dump()});
  json by_other = valid;
  by_other["sig"] = ToHex(KeyPair::Generate().Sign(DigestOf(SignedKind::kRequest, valid)));
  out.push_back({"signed by another key", by_other.dump()});
  for (auto kind :
       {SignedKind::kResponse, SignedKind::kContract, SignedKind::kReceipt, SignedKind::kSegment}) {
    json as_other = reused;
    as_other["sig"] = ToHex(signer.Sign(DigestOf(kind, reused)));
    out.push_back({"signed as " + std::string(DomainTag(kind)), as_other.dump()});
  }

  // Not even JSON, or ambiguous JSON.
  std::string text = valid.dump();
  for (size_t cut : {size_t{0}, size_t{1}, text.size() / 3, text.size() / 2, text.size() - 1}) {
    out.push_back({"truncated at " + std::to_string(cut), text.substr(0, cut)});
  }
  out.push_back({"invalid UTF-8", "{\"v\":1,\"method\":\"\xff\xfe\"}"});
  out.push_back({"a duplicate key", "{\"v\":1," + text.substr(1)});
  out.push_back({"nested 40 deep", std::string(40, '[') + std::string(40, ']')});
  out.push_back({"a bare number", "12"});
  out.push_back({"trailing garbage", text + "x"});
  return out;
}

}  // namespace tollstream::test
