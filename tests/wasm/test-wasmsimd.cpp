// Every wasmsimd kernel against its ref twin, in the wasm build: the randomized error-model checks
// shared with the native AVX2 table (tests/common/simd-kernel-checks.h), plus the SIMD128 f16
// conversion and the benchmark-only f32-activation Q8_0 kernel.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "../../tools/bench/wasm/q8_0-f32-activations.h"
#include "../common/kernel-fixtures.h"
#include "../common/simd-kernel-checks.h"
#include "inkstone/fp16.h"
#include "kernel-table.h"
#include "quant-blocks.h"
#include "ref/ref-kernels.h"
#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

using namespace inkstone;
using namespace inkstone::fixtures;
using namespace inkstone::simd_checks;

TEST_CASE("wasmsimd: f16 -> f32 conversion is exact for all 65536 halves") {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h += 4) {
    const v128_t v = simd::f16x4_to_f32x4(wasm_i32x4_make(h, h + 1, h + 2, h + 3));
    for (uint32_t k = 0; k < 4; ++k) {
      const uint32_t want = fp32_to_bits(fp16_to_fp32(static_cast<uint16_t>(h + k)));
      float lane[4];
      wasm_v128_store(lane, v);
      bad += fp32_to_bits(lane[k]) != want;
      bad += fp32_to_bits(simd::f16_to_f32(static_cast<uint16_t>(h + k))) != want;
    }
  }
  CHECK(bad == 0);
}

TEST_CASE("wasmsimd: activation quantization rounds to the nearest step, |q| <= 127") {
  check_activation_quantization(quantize_activations_q8__wasmsimd);
}

TEST_CASE("wasmsimd: matmul matches ref over swept shapes; row splits are bit-exact") {
  CHECK(check_matmul(*wasmsimd_kernels()) == kNumMatmulCases);
}

TEST_CASE("wasmsimd: the f32-activation Q8_0 variant (benchmark only) matches ref tightly") {
  for (int64_t cols : kQuantCols) {
    for (int64_t rows : kRows) {
      CAPTURE(cols);
      CAPTURE(rows);
      const weights w = make_weights(weight_format::q8_0, rows, cols, uint64_t(cols + rows));
      lcg r{uint64_t(cols * 3 + rows)};
      const std::vector<float> x = random_vec(r, size_t(2 * cols), -2, 2);
      std::vector<float> y_ref(2 * rows), y(2 * rows);
      q8_0_matmul__ref(w.bytes.data(), rows, cols, x.data(), 2, y_ref.data(), 0, rows);
      q8_0_matmul__wasmsimd_f32(w.bytes.data(), rows, cols, x.data(), 2, y.data(), 0, rows);
      double worst = 0;
      for (int64_t t = 0; t < 2; ++t) {
        for (int64_t i = 0; i < rows; ++i) {
          const double err = std::fabs(double(y[t * rows + i]) - y_ref[t * rows + i]);
          worst = std::max(worst, err / allowed_error(w, weight_format::q8_0, i, cols,
                                                      x.data() + t * cols, false));
        }
      }
      CHECK(worst <= 1.0);
    }
  }
}

TEST_CASE("wasmsimd: rmsnorm, softmax, silu_mul, add, rope match ref") {
  check_elementwise(*wasmsimd_kernels());
}

TEST_CASE("wasmsimd: attention matches ref") { check_attention(*wasmsimd_kernels()); }

TEST_CASE("wasmsimd: select_kernels offers it and auto prefers it") {
  CHECK(select_kernels("wasmsimd") == wasmsimd_kernels());
  CHECK(select_kernels("auto") == wasmsimd_kernels());
  CHECK(std::string_view(wasmsimd_kernels()->name) == "wasmsimd");
}
