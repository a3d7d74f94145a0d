#include "tracker/cli_fail.h"

#include <iostream>

namespace tollstream {

int Fail(const std::string& message) {
  std::cerr << "tracker: " << message << "\n";
  return 2;
}

int Fail(const Error& e) {
  return Fail(e.message);
}

}  // namespace tollstream
