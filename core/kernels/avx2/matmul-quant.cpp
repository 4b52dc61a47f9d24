// Q8_0 and Q4_0 weights (AVX2): matmul and row lookup, on the integer path.
//
// Activations are quantized once per call (quantize-activations.cpp: int8 per 32-block with an
// f32 scale). Per weight block the kernel forms the exact integer dot product of the 32 weights
// with the activation block: Q8_0 as vpmaddubsw(|w|, sign(x, w)) (the unsigned operand must be
// the magnitude; |w| <= 128 and |x| <= 127, so no pair sum saturates int16), Q4_0 as
// vpmaddubsw(nibbles 0..15, x) with 8 * sum(x_q) subtracted afterwards; vpmaddwd with ones widens
// to 8 int32 lanes. Then, as wasmsimd, acc += float(isum) * (d_w * d_x) in f32.
//
// Register tile (row-tiling.h): 4 weight rows x 2 tokens; the 4 rows' integer sums are folded
// into one 4-lane vector (lane = row) so scaling costs one convert, two multiplies and one add per
// token per block. Single rows/tokens run the same arithmetic in scalar.
#include <cassert>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"
#include "row-tiling.h"

namespace inkstone {

namespace {

struct q8_0_weights {
  static constexpr int64_t kBlockBytes = 34;
  static constexpr bool kNibbles = false;
  static int64_t row_bytes(int64_t cols) { return avx2::row_bytes_q8_0(cols); }
  struct prepared {
    __m256i w;    // the 32 int8 weights
    __m256i abs;  // |w| (as unsigned bytes)
  };
  static prepared prepare(const uint8_t* block) {
    const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
    return {w, _mm256_sign_epi8(w, w)};
  }
  // 8 int32 partial sums of sum_j w_j x_j.
  static __m256i dot(const prepared& p, __m256i x, __m256i ones16) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(p.abs, _mm256_sign_epi8(x, p.w)), ones16);
  }
};

struct q4_0_weights {
  static constexpr int64_t kBlockBytes = 18;
  static constexpr bool kNibbles = true;  // dot() sums nibble * x; value = nibble - 8
  static int64_t row_bytes(int64_t cols) { return avx2::row_bytes_q4_0(cols); }
  struct prepared {
    __m256i nib;  // elements 0..31 as 0..15: low nibbles are 0..15, high nibbles 16..31
  };
  static prepared prepare(const uint8_t* block) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i lo = _mm_and_si128(bytes, mask);
    const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
    return {_mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1)};
  }
  static __m256i dot(const prepared& p, __m256i x, __m256i ones16) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(p.nib, x), ones16);
  }
};

// y[t * y_stride + rr[i]] for i < R, t < T (R is 4 or 1). `a` points at token 0.
template <class W, int R, int T>
inline void quant_tile(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                       int64_t y_stride, const int64_t* rr) {
  const int64_t nb = cols / 32;
  const int64_t row_bytes = W::row_bytes(cols);
  const __m256i ones16 = _mm256_set1_epi16(1);
  const uint8_t* wr[R];
  for (int i = 0; i < R; ++i) wr[i] = w + rr[i] * row_bytes;

  __m128 acc[T];  // R == 4: lane i = row rr[i]
  float acc1[T];  // R == 1
  for (int t = 0; t < T; ++t) {
    acc[t] = _mm_setzero_ps();
    acc1[t] = 0.0f;
  }
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[R];
    typename W::prepared pw[R];
    for (int i = 0; i < R; ++i) {
      blk[i] = wr[i] + b * W::kBlockBytes;
      pw[i] = W::prepare(blk[i]);
    }
    if constexpr (R == 4) {
      const __m128 dw = avx2::load_f16x4_scales(blk[0], blk[1], blk[2], blk[3]);
      for (int t = 0; t < T; ++t) {
        const __m256i xq =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t * cols + b * 32));
        __m128i s = avx2::hsum4_epi32(W::dot(pw[0], xq, ones16), W::dot(pw[1], xq, ones16),
                                      W::dot(pw[2], xq, ones16), W::dot(pw[3], xq, ones16));
        if constexpr (W::kNibbles) s = _mm_sub_epi32(s, _mm_set1_epi32(8 * a.sum[t * nb + b]));
        const __m128 scale = _mm_mul_ps(dw, _mm_set1_ps(a.d[t * nb + b]));
        acc[t] = _mm_add_ps(acc[t], _mm_mul_ps(_mm_cvtepi32_ps(s), scale));
      }
    } else {
      const float dw = avx2::f16_to_f32(avx2::load_u16(blk[0]));
      for (int t = 0; t < T; ++t) {
        const __m256i xq =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t * cols + b * 32));
        int32_t s = avx2::hsum_epi32(W::dot(pw[0], xq, ones16));
        if constexpr (W::kNibbles) s -= 8 * a.sum[t * nb + b];
        acc1[t] += static_cast<float>(s) * (dw * a.d[t * nb + b]);
      }
    }
  }
  for (int t = 0; t < T; ++t) {
    if constexpr (R == 4) {
      float lanes[4];
      _mm_storeu_ps(lanes, acc[t]);
      for (int i = 0; i < 4; ++i) y[t * y_stride + rr[i]] = lanes[i];
    } else {
      y[t * y_stride + rr[0]] = acc1[t];
    }
  }
}

template <class W>
void quant_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
                  int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(cols % 32 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  if (row_begin == row_end) return;
  const q8_activations_i8 xa = quantize_activations_q8__avx2(x, n, cols);
  const int64_t nb = cols / 32;
  for_each_tile(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
    const q8_activations_i8 at{xa.q + t * cols, xa.d + t * nb, xa.sum + t * nb};
    quant_tile<W, R, T>(w, cols, at, y + t * rows, rows, rr);
  });
}

}  // namespace

void q8_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q8_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q4_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q4_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

// ---------------------------------------------------------------- row lookup (embeddings)
// d * q for every element: exact (|q| <= 128 converts exactly; one rounding of the product),
// like ref.
void q8_0_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % 32 == 0 && row >= 0);
  const uint8_t* src = w + row * avx2::row_bytes_q8_0(cols);
  for (int64_t b = 0; b < cols / 32; ++b) {
    const uint8_t* blk = src + b * 34;
    const __m256 d = _mm256_set1_ps(avx2::f16_to_f32(avx2::load_u16(blk)));
    for (int k = 0; k < 4; ++k) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(blk + 2 + 8 * k));
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      _mm256_storeu_ps(out + b * 32 + 8 * k, _mm256_mul_ps(d, v));
    }
  }
}

void q4_0_get_rows__avx2(const uint8_t* w, int64_t cols, int64_t row, float* out) {
  assert(w != nullptr && out != nullptr && cols % 32 == 0 && row >= 0);
  const uint8_t* src = w + row * avx2::row_bytes_q4_0(cols);
  for (int64_t b = 0; b < cols / 32; ++b) {
    const uint8_t* blk = src + b * 18;
    const __m256 d = _mm256_set1_ps(avx2::f16_to_f32(avx2::load_u16(blk)));
    const __m256i nib = q4_0_weights::prepare(blk).nib;
    const __m256i q = _mm256_sub_epi8(nib, _mm256_set1_epi8(8));  // -8 .. 7
    const __m128i q_lo = _mm256_castsi256_si128(q), q_hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {q_lo, _mm_srli_si128(q_lo, 8), q_hi, _mm_srli_si128(q_hi, 8)};
    for (int k = 0; k < 4; ++k) {
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
      _mm256_storeu_ps(out + b * 32 + 8 * k, _mm256_mul_ps(d, v));
    }
  }
}

}  // namespace inkstone
