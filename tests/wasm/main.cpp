// doctest entry point for inkstone_wasm_tests (the SIMD128 kernels, run under node).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
