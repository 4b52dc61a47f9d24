// Q8_0 weights with f32 activations (SIMD128); see q8_0-f32-activations.h.
// Tile: 4 rows x 1 token; per block s = sum_j float(q_j) * x_j in 4 lanes, then acc += d * s.
#include "q8_0-f32-activations.h"

#include <cassert>

#include "kernel-table.h"
#include "wasmsimd/simd-common.h"

namespace inkstone {

namespace {

template <int R>
inline void q8_0_f32_tile(const uint8_t* w, int64_t cols, const float* x, float* y, int64_t r) {
  const int64_t nb = cols / 32;
  const size_t row_bytes = weight_row_bytes(weight_format::q8_0, cols);
  const uint8_t* wr[R];
  for (int i = 0; i < R; ++i) wr[i] = w + (r + i) * row_bytes;
  v128_t acc[R];
  for (int i = 0; i < R; ++i) acc[i] = wasm_f32x4_splat(0.0f);
  for (int64_t b = 0; b < nb; ++b) {
    const float* xb = x + b * 32;
    v128_t s[R];
    for (int i = 0; i < R; ++i) s[i] = wasm_f32x4_splat(0.0f);
    for (int k = 0; k < 4; ++k) {
      const v128_t x0 = wasm_v128_load(xb + 8 * k);
      const v128_t x1 = wasm_v128_load(xb + 8 * k + 4);
      for (int i = 0; i < R; ++i) {
        const v128_t q = wasm_i16x8_load8x8(wr[i] + b * 34 + 2 + 8 * k);
        const v128_t w0 = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_low_i16x8(q));
        const v128_t w1 = simd::small_i32x4_to_f32x4(wasm_i32x4_extend_high_i16x8(q));
        s[i] = wasm_f32x4_add(s[i], wasm_f32x4_add(wasm_f32x4_mul(w0, x0), wasm_f32x4_mul(w1, x1)));
      }
    }
    for (int i = 0; i < R; ++i) {
      const float d = simd::f16_to_f32(simd::load_u16(wr[i] + b * 34));
      acc[i] = wasm_f32x4_add(acc[i], wasm_f32x4_mul(s[i], wasm_f32x4_splat(d)));
    }
  }
  if constexpr (R == 4) {
    wasm_v128_store(y + r, simd::f32x4_hsum4(acc[0], acc[1], acc[2], acc[3]));
  } else {
    y[r] = simd::f32x4_hsum(acc[0]);
  }
}

}  // namespace

void q8_0_matmul__wasmsimd_f32(const uint8_t* w, int64_t rows, int64_t cols, const float* x,
                               int64_t n, float* y, int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr);
  assert(cols % 32 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  for (int64_t t = 0; t < n; ++t) {
    const float* xt = x + t * cols;
    float* yt = y + t * rows;
    int64_t r = row_begin;
    for (; r + 4 <= row_end; r += 4) q8_0_f32_tile<4>(w, cols, xt, yt, r);
    for (; r < row_end; ++r) q8_0_f32_tile<1>(w, cols, xt, yt, r);
  }
}

}  // namespace inkstone
