// What the native suite needs before its cases mean anything. A build configured with
// -DINK_XNNPACK=ON (the default) that did not find libxnnpack-dev compiles the XNNPACK cases
// out. On a developer's machine that is a message; under CI=true or INK_REQUIRE_ALL=1 (set by
// `make test`) it is a failure, as for the JS suites (tests/js/support/require.mjs).
#include <doctest/doctest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#ifndef INK_XNNPACK_REQUESTED
#error "CMakeLists.txt defines INK_XNNPACK_REQUESTED (the INK_XNNPACK option) for inkstone_tests"
#endif

namespace {

[[maybe_unused]] bool require_all() {
  const char* ci = std::getenv("CI");
  const char* all = std::getenv("INK_REQUIRE_ALL");
  return (ci != nullptr && std::strcmp(ci, "true") == 0) ||
         (all != nullptr && std::strcmp(all, "1") == 0);
}

}  // namespace

TEST_CASE("requirements: XNNPACK is built in when the build asked for it") {
#if INK_XNNPACK_REQUESTED && !defined(INK_XNNPACK)
  const std::string what =
      "XNNPACK was requested (-DINK_XNNPACK=ON) but not found when the build was configured, so "
      "its test cases are compiled out: install libxnnpack-dev and reconfigure, or configure "
      "with -DINK_XNNPACK=OFF";
  if (require_all()) FAIL(what);
  MESSAGE(what);
#endif
}
