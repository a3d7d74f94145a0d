// The `peer` command: keygen, wallet, broadcast, streams, watch.
#pragma once

namespace tollstream {

// Returns the process exit status.
int PeerMain(int argc, char** argv);

}  // namespace tollstream
