// The passphrase of a protected key file: the environment variable
// TOLLSTREAM_KEY_PASSPHRASE when it is set (for services and scripts; it is
// then removed from the environment, so that no program started later
// inherits it), else asked on the terminal, not echoed. Without either, an error that says
// how to give one.
#pragma once

#include <string>

#include "common/base/result.h"

namespace tollstream {

inline constexpr const char* kPassphraseVariable = "TOLLSTREAM_KEY_PASSPHRASE";

// `what` names the file in the prompt and the errors. With `confirm`, a
// passphrase typed on the terminal is asked twice and must match, and an
// empty one is refused. Errors: kInvalidField.
Result<std::string> ReadPassphrase(const std::string& what, bool confirm);

}  // namespace tollstream
