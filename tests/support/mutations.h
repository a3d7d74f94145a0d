// Hostile variants of a valid signed request, for bad-input tests.
//
// From one valid request body, makes: every field removed (but optional
// ones), replaced by values of every wrong type, numbers out of range or
// fractional, hex of the wrong length or with bad characters, an extra field
// in every object; each re-signed with the signer's key, so that what refuses
// it is the field check, not the signature. Then the envelope-level attacks:
// truncated and invalid JSON, duplicate keys, deep nesting, a signature by
// another key, a signature of another kind, another tracker, a stale
// timestamp, another protocol version.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "common/crypto/keys.h"
#include "common/wire/json.h"

namespace tollstream::test {

struct Mutation {
  std::string name;  // what was done, for failure messages
  std::string body;  // what to send
};

// `optional` lists params paths ("params.receipt") that may be absent.
std::vector<Mutation> MutateRequest(const json& valid, const KeyPair& signer,
                                    const std::set<std::string>& optional = {});

}  // namespace tollstream::test
