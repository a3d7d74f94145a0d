// The `tracker` command: its options; `run` starts the tracker (tracker_node.h),
// `keygen`, `mint` and `audit` are done here.
#pragma once

namespace tollstream {

// Returns the process exit status.
int TrackerMain(int argc, char** argv);

}  // namespace tollstream
