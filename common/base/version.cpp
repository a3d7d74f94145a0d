#include "common/base/version.h"

namespace tollstream {

const char* Version() {
  return TOLLSTREAM_VERSION;
}

const char* BuildCommit() {
  return TOLLSTREAM_COMMIT;
}

}  // namespace tollstream
