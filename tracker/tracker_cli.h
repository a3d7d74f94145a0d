// The `tracker` command: run, keygen, mint, audit.
#pragma once

namespace tollstream {

// Returns the process exit status.
int TrackerMain(int argc, char** argv);

}  // namespace tollstream
