// F32 and F16 weights (SIMD128): matmul and row lookup.
//
// Register tile (tiling in row-tiling.h): 4 weight rows x 2 tokens, 8 f32x4 accumulators; each
// weight vector is loaded (and for F16 widened) once per tile and used for both tokens.
// Per output: 4 lanes (lane k sums columns k, k+4, ...), lanes added (l0+l2)+(l1+l3), plus the
// scalar tail of cols % 4 columns. Single rows and single tokens run the same sequence.
#include <cassert>
#include <cstring>

#include "quant-blocks.h"
#include "row-tiling.h"
#include "wasmsimd/simd-common.h"
#include "wasmsimd/wasmsimd-kernels.h"

namespace inkstone {

namespace {

struct f32_weights {
  static constexpr weight_format kFormat = weight_format::f32;
  static v128_t load4(const uint8_t* row, int64_t c) { return wasm_v128_load(row + c * 4); }
  static float load1(const uint8_t* row, int64_t c) {
    float v;
    std::memcpy(&v, row + c * 4, 4);
    return v;
  }
};

struct f16_weights {
  static constexpr weight_format kFormat = weight_format::f16;
  static v128_t load4(const uint8_t* row, int64_t c) {
    return simd::f16x4_to_f32x4(wasm_u32x4_extend_low_u16x8(wasm_v128_load64_zero(row + c * 2)));
  }
  static float load1(const uint8_t* row, int64_t c) {
    return simd::f16_to_f32(simd::load_u16(row + c * 2));
  }
};

// y[t * y_stride + rr[i]] for i < R, t < T: rows rr[i] of W times tokens x + t * cols.
template <class W, int R, int T>
inline void float_tile(const uint8_t* w, int64_t cols, const float* x, float* y, int64_t y_stride,
                       const int64_t* rr) {
  const size_t row_bytes = weight_row_bytes(W::kFormat, cols);
  const uint8_t* wr[R];
  for (int i = 0; i < R; ++i) wr[i] = w + rr[i] * row_bytes;
  const float* xt[T];
  for (int t = 0; t < T; ++t) xt[t] = x + t * cols;

  v128_t acc[R][T];
  for (int i = 0; i < R; ++i) {
    for (int t = 0; t < T; ++t) acc[i][t] = wasm_f32x4_splat(0.0f);
  }
  const int64_t cols4 = cols & ~int64_t{3};
  for (int64_t c = 0; c < cols4; c += 4) {
    v128_t xv[T];
    for (int t = 0; t < T; ++t) xv[t] = wasm_v128_load(xt[t] + c);
    for (int i = 0; i < R; ++i) {
      const v128_t wv = W::load4(wr[i], c);
      for (int t = 0; t < T; ++t) acc[i][t] = wasm_f32x4_add(acc[i][t], wasm_f32x4_mul(wv, xv[t]));
    }
  }
  // Scalar tail: columns cols4 .. cols-1.
  float tail[R][T] = {};
  for (int64_t c = cols4; c < cols; ++c) {
    for (int i = 0; i < R; ++i) {
      const float wv = W::load1(wr[i], c);
      for (int t = 0; t < T; ++t) tail[i][t] += wv * xt[t][c];
    }
  }
  for (int t = 0; t < T; ++t) {
    float* yt = y + t * y_stride;
    if constexpr (R == 4) {
      const v128_t sums = simd::f32x4_hsum4(acc[0][t], acc[1][t], acc[2][t], acc[3][t]);
      const v128_t tails = wasm_f32x4_make(tail[0][t], tail[1][t], tail[2][t], tail[3][t]);
      float lanes[4];
      wasm_v128_store(lanes, wasm_f32x4_add(sums, tails));
      for (int i = 0; i < 4; ++i) yt[rr[i]] = lanes[i];
    } else {
      for (int i = 0; i < R; ++i) yt[rr[i]] = simd::f32x4_hsum(acc[i][t]) + tail[i][t];
    }
  }
}

template <class W>
void float_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
                  int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(0 <= row_begin && row_begin <= row_end && row_end <= rows);
  for_each_tile(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
    float_tile<W, R, T>(w, cols, x + t * cols, y + t * rows, rows, rr);
  });
}

}  // namespace

void f32_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                          float* y, int64_t row_begin, int64_t row_end) {
  float_matmul<f32_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void f16_matmul__wasmsimd(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                          float* y, int64_t row_begin, int64_t row_end) {
  float_matmul<f16_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void f32_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && row >= 0);
  std::memcpy(out, w + row * weight_row_bytes(weight_format::f32, cols), cols * sizeof(float));
}

void f16_get_rows__wasmsimd(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && row >= 0);
  const uint8_t* src = w + row * weight_row_bytes(weight_format::f16, cols);
  int64_t c = 0;
  for (; c + 4 <= cols; c += 4) wasm_v128_store(out + c, f16_weights::load4(src, c));
  for (; c < cols; ++c) out[c] = f16_weights::load1(src, c);
}

}  // namespace inkstone
