// What the tests of renditions read of the nodes they run: their output
// lines, and the video they bought.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/peer/peer_fixture.h"

namespace tollstream::test {

// Each match of `pattern` in `text`: its groups (1 on).
inline std::vector<std::vector<std::string>> Matches(const std::string& text,
                                                     const std::string& pattern) {
  std::vector<std::vector<std::string>> out;
  std::regex re(pattern);
  for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
    out.emplace_back();
    for (size_t g = 1; g < it->size(); ++g) out.back().push_back((*it)[g]);
  }
  return out;
}

// The contracts `output` names (its "contract <id> opened" lines, a
// viewer's or a seller's), as the tracker shows them.
inline std::vector<json> OpenedContracts(TrackerFixture& t, const std::string& output) {
  auto client = t.NewClient();
  std::vector<json> contracts;
  for (const auto& m : Matches(output, "contract ([0-9a-f]{64}) opened")) {
    auto c = client->Call("contract", {{"id", m[0]}});
    REQUIRE(c.ok());
    contracts.push_back(std::move(*c));
  }
  return contracts;
}

// What those contracts paid `seller` for their segments (each opening
// charge is paid apart, when the contract opens).
inline uint64_t PaidTo(TrackerFixture& t, const std::string& output, const PublicKey& seller) {
  uint64_t paid = 0;
  for (const json& c : OpenedContracts(t, output))
    if (c["terms"]["broadcaster"] == seller.ToHex()) paid += c["paid"].get<uint64_t>();
  return paid;
}

// From a viewer's "settled: paid X for N segments, ..." lines: {X, N} of
// the first (X counts every contract settled so far: the last is the total).
inline std::pair<uint64_t, uint64_t> Settled(const Process& viewer, bool last = false) {
  auto settled = Matches(viewer.output(), "settled: paid (\\d+) for (\\d+) segments");
  REQUIRE_MESSAGE(!settled.empty(), viewer.output());
  const auto& m = last ? settled.back() : settled.front();
  return {std::stoull(m[0]), std::stoull(m[1])};
}

// What a viewer's segment lines say it bought, in order: {seq, rendition}.
inline std::vector<std::pair<uint64_t, std::string>> Bought(const std::string& output) {
  std::vector<std::pair<uint64_t, std::string>> out;
  for (const auto& m : Matches(output, "segment (\\d+) \\d+ bytes of (\\w+): bought"))
    out.emplace_back(std::stoull(m[0]), m[1]);
  return out;
}

// The locks of the contracts the viewer opened, in order.
inline std::vector<uint64_t> Locks(const Process& viewer) {
  std::vector<uint64_t> out;
  for (const auto& m :
       Matches(viewer.output(), "opened \\(confirmed by the tracker\\): lock (\\d+)"))
    out.push_back(std::stoull(m[0]));
  return out;
}

// Whether `done` holds within `most`, asked every 100 ms.
inline bool WaitUntil(const std::function<bool()>& done, std::chrono::seconds most) {
  auto deadline = std::chrono::steady_clock::now() + most;
  while (!done() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(100ms);
  return done();
}

// The height of the video `file` holds.
inline int HeightOf(const std::string& file) {
  auto [probed, out] = RunCommand({"/usr/bin/ffprobe", "-v", "error", "-select_streams", "v:0",
                                   "-show_entries", "stream=height", "-of", "csv=p=0", file});
  REQUIRE(probed == 0);
  return std::stoi(out);
}

}  // namespace tollstream::test
