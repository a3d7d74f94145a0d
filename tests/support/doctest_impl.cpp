// doctest's implementation without its main(), for programs that are not
// test runners (the benchmarks) but share the test fixtures. A failed
// REQUIRE or CHECK outside a test case prints where and exits with status 1.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>

namespace {

void FailOutsideTest(const doctest::AssertData& a) {
  std::fprintf(stderr, "%s:%d: check failed: %s\n", a.m_file, a.m_line, a.m_expr);
  std::exit(1);
}

// Lives for the whole program: doctest routes stray asserts to it.
doctest::Context* const kContext = [] {
  auto* context = new doctest::Context();
  context->setAsDefaultForAssertsOutOfTestCases();
  context->setAssertHandler(FailOutsideTest);
  return context;
}();

}  // namespace
