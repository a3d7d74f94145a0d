// `peer streams`: the directory of live streams at a tracker.
#pragma once

namespace tollstream {

inline constexpr const char* kStreamsHelp =
    R"(usage: peer streams --tracker URL [--search TEXT] [--json]

Lists the streams live at the tracker, by name: each name with its origin's
6-digit code (names are first-come: two origins may sell one), the lowest
price per segment among its sellers, how many sell it (the origin
and its relays), how long it has been live, and its title. --search keeps
the streams whose name or title contains TEXT, without regard to case.
Needs no key.
)";

// Prints the live streams (a line each, or JSON); returns the exit status.
int StreamsCommand(int argc, char** argv);

}  // namespace tollstream
