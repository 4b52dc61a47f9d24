// F32 and F16 weights (AVX2): matmul and row lookup, wasmsimd's arithmetic.
//
// Per output row: 4 lanes, lane k sums w[c] * x[c] for columns c = k, k+4, ... (product, then
// sum: no FMA), the lanes added as (l0 + l2) + (l1 + l3), plus the scalar tail of cols % 4
// columns. A 256-bit register holds the 4 lanes of two rows: register tile (row-tiling.h) 4
// weight rows x 2 tokens = 4 ymm accumulators; each 4-column weight piece is loaded (F16:
// widened, 8 halves of two rows in one vcvtph2ps) once per tile and used for both tokens.
#include <cassert>
#include <cstring>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"
#include "row-tiling.h"

namespace inkstone {

namespace {

struct f32_weights {
  static int64_t row_bytes(int64_t cols) { return avx2::row_bytes_f32(cols); }
  // Columns c .. c+3 of two rows: [row a | row b].
  static __m256 load2x4(const uint8_t* a, const uint8_t* b, int64_t c) {
    return _mm256_loadu2_m128(reinterpret_cast<const float*>(b + c * 4),
                              reinterpret_cast<const float*>(a + c * 4));
  }
  static __m128 load4(const uint8_t* row, int64_t c) {
    return _mm_loadu_ps(reinterpret_cast<const float*>(row + c * 4));
  }
  static float load1(const uint8_t* row, int64_t c) {
    float v;
    std::memcpy(&v, row + c * 4, 4);
    return v;
  }
};

struct f16_weights {
  static int64_t row_bytes(int64_t cols) { return avx2::row_bytes_f16(cols); }
  static __m256 load2x4(const uint8_t* a, const uint8_t* b, int64_t c) {
    const __m128i ha = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(a + c * 2));
    const __m128i hb = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(b + c * 2));
    return _mm256_cvtph_ps(_mm_unpacklo_epi64(ha, hb));
  }
  static __m128 load4(const uint8_t* row, int64_t c) {
    return _mm_cvtph_ps(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row + c * 2)));
  }
  static float load1(const uint8_t* row, int64_t c) {
    return avx2::f16_to_f32(avx2::load_u16(row + c * 2));
  }
};

// y[t * y_stride + rr[i]] for i < R, t < T: rows rr[i] of W times tokens x + t * cols.
template <class W, int R, int T>
inline void float_tile(const uint8_t* w, int64_t cols, const float* x, float* y, int64_t y_stride,
                       const int64_t* rr) {
  const int64_t row_bytes = W::row_bytes(cols);
  const uint8_t* wr[R];
  for (int i = 0; i < R; ++i) wr[i] = w + rr[i] * row_bytes;
  const float* xt[T];
  for (int t = 0; t < T; ++t) xt[t] = x + t * cols;
  const int64_t cols4 = cols & ~int64_t{3};

  // Scalar tail: columns cols4 .. cols-1.
  float tail[R][T] = {};
  for (int64_t c = cols4; c < cols; ++c) {
    for (int i = 0; i < R; ++i) {
      const float wv = W::load1(wr[i], c);
      for (int t = 0; t < T; ++t) tail[i][t] += wv * xt[t][c];
    }
  }

  if constexpr (R == 4) {
    __m256 acc01[T], acc23[T];  // [row 0 | row 1], [row 2 | row 3] per token
    for (int t = 0; t < T; ++t) acc01[t] = acc23[t] = _mm256_setzero_ps();
    for (int64_t c = 0; c < cols4; c += 4) {
      const __m256 w01 = W::load2x4(wr[0], wr[1], c);
      const __m256 w23 = W::load2x4(wr[2], wr[3], c);
      for (int t = 0; t < T; ++t) {
        const __m256 xv = _mm256_broadcast_ps(reinterpret_cast<const __m128*>(xt[t] + c));
        acc01[t] = _mm256_add_ps(acc01[t], _mm256_mul_ps(w01, xv));
        acc23[t] = _mm256_add_ps(acc23[t], _mm256_mul_ps(w23, xv));
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m128 tails = _mm_setr_ps(tail[0][t], tail[1][t], tail[2][t], tail[3][t]);
      float lanes[4];
      _mm_storeu_ps(lanes, _mm_add_ps(avx2::hsum4_pairs(acc01[t], acc23[t]), tails));
      for (int i = 0; i < 4; ++i) y[t * y_stride + rr[i]] = lanes[i];
    }
  } else {
    __m128 acc[T];
    for (int t = 0; t < T; ++t) acc[t] = _mm_setzero_ps();
    for (int64_t c = 0; c < cols4; c += 4) {
      const __m128 wv = W::load4(wr[0], c);
      for (int t = 0; t < T; ++t)
        acc[t] = _mm_add_ps(acc[t], _mm_mul_ps(wv, _mm_loadu_ps(xt[t] + c)));
    }
    for (int t = 0; t < T; ++t) y[t * y_stride + rr[0]] = avx2::hsum(acc[t]) + tail[0][t];
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

void f32_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  float_matmul<f32_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void f16_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                      float* y, int64_t row_begin, int64_t row_end) {
  float_matmul<f16_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void f32_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && row >= 0);
  std::memcpy(out, w + row * avx2::row_bytes_f32(cols), static_cast<size_t>(cols) * sizeof(float));
}

void f16_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && row >= 0);
  const uint8_t* src = w + row * avx2::row_bytes_f16(cols);
  int64_t c = 0;
  for (; c + 8 <= cols; c += 8) {
    _mm256_storeu_ps(
        out + c, _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + c * 2))));
  }
  for (; c < cols; ++c) out[c] = f16_weights::load1(src, c);
}

}  // namespace inkstone
