// What was built: the project's version (CMakeLists.txt) and the git commit
// the build was configured at ("unknown" outside a git checkout).
#pragma once

namespace tollstream {

const char* Version();
const char* BuildCommit();

}  // namespace tollstream
