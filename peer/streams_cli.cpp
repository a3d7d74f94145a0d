#include "peer/streams_cli.h"

#include <iostream>
#include <string>

#include "common/base/clock.h"
#include "common/cli/args.h"
#include "common/client/tracker_api.h"
#include "common/protocol/address.h"
#include "common/wire/json.h"
#include "peer/node/console.h"

namespace tollstream {

namespace {

// "3 h 12 min", "4 min", "20 s".
std::string LiveFor(int64_t seconds) {
  if (seconds < 60) return std::to_string(std::max<int64_t>(seconds, 0)) + " s";
  if (seconds < 3600) return std::to_string(seconds / 60) + " min";
  return std::to_string(seconds / 3600) + " h " + std::to_string(seconds % 3600 / 60) + " min";
}

}  // namespace

int StreamsCommand(int argc, char** argv) {
  auto args = Args::Parse(argc, argv, 2, {"tracker", "search"}, {"json"});
  if (!args) return Fail(args.error().message);
  auto url = args->Require("tracker");
  if (!url) return Fail(url.error().message);
  auto client = ConnectTracker(*url, KeyPair::Generate());  // a listing needs no identity
  if (!client) return Fail(client.error().message);
  auto streams = TrackerApi(**client).Streams(args->Get("search").value_or(""));
  if (!streams) return Fail(streams.error().message);
  if (args->Has("json")) {
    json list = json::array();
    for (const auto& s : *streams) list.push_back(s.ToJson());
    std::cout << list.dump() << std::endl;
    return 0;
  }
  if (streams->empty()) {
    std::cout << "no stream is live at " << *url << std::endl;
    return 0;
  }
  int64_t now = UnixNow();
  for (const auto& s : *streams) {
    std::cout << s.stream << "  code " << KeyCode(s.origin) << "  " << s.price << " a segment  "
              << s.sellers << (s.sellers == 1 ? " seller  " : " sellers  ") << s.viewers
              << (s.viewers == 1 ? " viewer" : " viewers") << "  live " << LiveFor(now - s.since)
              << (s.title.empty() ? "" : "  " + s.title) << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace tollstream
