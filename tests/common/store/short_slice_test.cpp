#include "common/store/short_slice.h"

#include <doctest/doctest.h>

#include <thread>

namespace tollstream::test {

TEST_CASE(
    "a thread that asks for a short slice gets it, threads it starts inherit it, others keep "
    "theirs") {
  auto before = CurrentSlice();
  std::chrono::microseconds granted{}, asked_other{};
  bool accepted = false;
  std::thread([&] {
    accepted = RequestShortSlice();
    granted = CurrentSlice();
    std::thread([&] { asked_other = CurrentSlice(); }).join();  // inherits it
  }).join();
  if (!accepted) {
    MESSAGE("this kernel does not let a thread set its slice");
    return;
  }
  CHECK(granted == kShortSlice);
  CHECK(asked_other == kShortSlice);
  CHECK(CurrentSlice() == before);
  CHECK(before > kShortSlice);
}

}  // namespace tollstream::test
