// The special addresses a key has had at a tracker, as the tracker shows
// them: for tests that check none was opened needlessly.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/protocol/address.h"
#include "tests/support/tracker_fixture.h"

namespace tollstream::test {

// Every `kind` ("income" or "spend") address `owner` has had at `t`, oldest first.
inline std::vector<std::string> SpecialAddressesOf(TrackerFixture& t, std::string_view kind,
                                                   const PublicKey& owner) {
  auto client = t.NewClient();
  std::vector<std::string> all;
  for (uint64_t generation = 0;; ++generation) {
    std::string address = SpecialAddressOf(kind, t.tracker_key().public_key(), owner, generation);
    auto account = client->Call("account", {{"address", address}});
    REQUIRE(account.ok());
    if ((*account)["kind"] != kind) return all;
    all.push_back(address);
  }
}

}  // namespace tollstream::test
