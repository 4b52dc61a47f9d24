// doctest entry point for inkstone_tests (every tests/cpp/*.cpp is linked in).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
