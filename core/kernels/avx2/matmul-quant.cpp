// Q8_0, Q4_0, Q4_1, Q5_0 and Q5_1 weights (AVX2): matmul and row lookup, on the integer path.
//
// Activations are quantized once per call (quantize-activations.cpp: int8 per 32-block with an
// f32 scale). Per weight block the kernel forms the exact integer dot product of the 32 weights
// with the activation block: Q8_0 as vpmaddubsw(|w|, sign(x, w)) (the unsigned operand must be
// the magnitude; |w| <= 128 and |x| <= 127, so no pair sum saturates int16), the others as
// vpmaddubsw(q, x) on their unsigned integers q (0..15 or 0..31; 2 * 31 * 127 fits int16) with
// 8 (Q4_0) or 16 (Q5_0) * sum(x_q) subtracted afterwards; vpmaddwd with ones widens to 8 int32
// lanes. Then, as wasmsimd, acc += float(isum) * (d_w * d_x) in f32, and for Q4_1/Q5_1 (value
// d q + m) the block's term is  float(isum) * (d_w * d_x) + m_w * (d_x * sum(x_q)).
//
// Register tiles (row-tiling.h): 4 weight rows x 1 token (decode: two blocks per step) or x 8
// tokens (prefill: in pairs); the 4 rows' integer sums of a block are folded into 4 lanes
// (lane = row), two blocks or two tokens per 256-bit vector, so scaling costs one convert, two
// multiplies and one add per 8 sums. Single rows run the same arithmetic in scalar.
#include <cassert>
#include <cstring>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"
#include "row-tiling.h"

namespace inkstone {

namespace {

// A weight format: prepare() reads a block, dot() gives 8 int32 partial sums of sum_j q_j x_j; the
// value of element j is d * (q_j - kOffset) (+ m, the f16 at kMinAt, when kHasMin).
struct q8_0_weights {
  static constexpr int64_t kBlockBytes = 34;
  static constexpr int kOffset = 0;
  static constexpr bool kHasMin = false;
  static constexpr int kMinAt = 0;
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

// Elements 0..31 of the 32 nibbles at qs as bytes 0..15 (low nibbles 0..15, high 16..31).
inline __m256i nibbles_32(const uint8_t* qs) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
  const __m128i mask = _mm_set1_epi8(0x0F);
  const __m128i lo = _mm_and_si128(bytes, mask);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), mask);
  return _mm256_insertf128_si256(_mm256_castsi128_si256(lo), hi, 1);
}

// Byte j = 16 if bit j of the little-endian uint32 at qh is set, else 0 (the fifth bits).
inline __m256i high_bits_32(const uint8_t* qh) {
  uint32_t bits = 0;
  std::memcpy(&bits, qh, 4);
  // Each 128-bit lane holds the word four times; byte j takes byte j / 8 of it.
  const __m256i word = _mm256_set1_epi32(static_cast<int>(bits));
  const __m256i which = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,  //
                                         2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const __m256i mask = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ULL));
  const __m256i set = _mm256_cmpeq_epi8(_mm256_and_si256(_mm256_shuffle_epi8(word, which), mask),
                                        mask);
  return _mm256_and_si256(set, _mm256_set1_epi8(16));
}

// The formats whose integers are unsigned (0..15 or 0..31): nibbles at kQsAt, fifth bits at kQhAt
// (< 0: none), offset and min as described above.
template <int64_t BlockBytes, int QsAt, int QhAt, int Offset, int MinAt>
struct small_unsigned_weights {
  static constexpr int64_t kBlockBytes = BlockBytes;
  static constexpr int kOffset = Offset;
  static constexpr bool kHasMin = MinAt > 0;
  static constexpr int kMinAt = MinAt;
  static int64_t row_bytes(int64_t cols) { return cols / 32 * BlockBytes; }
  struct prepared {
    __m256i q;  // elements 0..31 as unsigned bytes
  };
  static prepared prepare(const uint8_t* block) {
    const __m256i nib = nibbles_32(block + QsAt);
    if constexpr (QhAt < 0) {
      return {nib};
    } else {
      return {_mm256_or_si256(nib, high_bits_32(block + QhAt))};
    }
  }
  static __m256i dot(const prepared& p, __m256i x, __m256i ones16) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(p.q, x), ones16);
  }
};

using q4_0_weights = small_unsigned_weights<18, 2, -1, 8, 0>;   // f16 d | qs
using q4_1_weights = small_unsigned_weights<20, 4, -1, 0, 2>;   // f16 d | f16 m | qs
using q5_0_weights = small_unsigned_weights<22, 6, 2, 16, 0>;   // f16 d | qh | qs
using q5_1_weights = small_unsigned_weights<24, 8, 4, 0, 2>;    // f16 d | f16 m | qh | qs

// The 8 f16 at byte `at` of 4 rows' blocks b (lanes 0-3) and b + 1 (lanes 4-7), as floats.
inline __m256 load_f16x8_pair(const uint8_t* const* blk0, const uint8_t* const* blk1, int at) {
  return _mm256_cvtph_ps(_mm_setr_epi16(
      static_cast<short>(avx2::load_u16(blk0[0] + at)), static_cast<short>(avx2::load_u16(blk0[1] + at)),
      static_cast<short>(avx2::load_u16(blk0[2] + at)), static_cast<short>(avx2::load_u16(blk0[3] + at)),
      static_cast<short>(avx2::load_u16(blk1[0] + at)), static_cast<short>(avx2::load_u16(blk1[1] + at)),
      static_cast<short>(avx2::load_u16(blk1[2] + at)), static_cast<short>(avx2::load_u16(blk1[3] + at))));
}

// Decode's tile (4 rows, 1 token): two blocks per step, their 8 integer sums in one vector
// [block b: r0 r1 r2 r3 | block b+1: r0 r1 r2 r3] and their scales multiplied in 256 bits; the
// 4-lane accumulator takes block b, then block b+1, as one block per step would.
template <class W>
inline void quant_tile_4x1(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                           const int64_t* rr) {
  const int64_t nb = cols / 32;
  const int64_t row_bytes = W::row_bytes(cols);
  const __m256i ones16 = _mm256_set1_epi16(1);
  const uint8_t* wr[4];
  for (int i = 0; i < 4; ++i) wr[i] = w + rr[i] * row_bytes;
  auto xq_of = [&](int64_t b) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + b * 32));
  };
  __m128 acc = _mm_setzero_ps();
  int64_t b = 0;
  for (; b + 2 <= nb; b += 2) {
    const uint8_t* blk0[4];
    const uint8_t* blk1[4];
    __m256i d0[4], d1[4];
    const __m256i x0 = xq_of(b), x1 = xq_of(b + 1);
    for (int i = 0; i < 4; ++i) {
      blk0[i] = wr[i] + b * W::kBlockBytes;
      blk1[i] = blk0[i] + W::kBlockBytes;
      d0[i] = W::dot(W::prepare(blk0[i]), x0, ones16);
      d1[i] = W::dot(W::prepare(blk1[i]), x1, ones16);
    }
    __m256i s = avx2::hsum4x2_epi32(d0, d1);
    if constexpr (W::kOffset != 0) {
      s = _mm256_sub_epi32(s, _mm256_setr_m128i(_mm_set1_epi32(W::kOffset * a.sum[b]),
                                                _mm_set1_epi32(W::kOffset * a.sum[b + 1])));
    }
    const __m256 dw = load_f16x8_pair(blk0, blk1, 0);
    const __m256 dx = avx2::pair(_mm_set1_ps(a.d[b]), _mm_set1_ps(a.d[b + 1]));
    __m256 prod = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, dx));
    if constexpr (W::kHasMin) {
      const __m256 dsum = avx2::pair(_mm_set1_ps(a.d[b] * static_cast<float>(a.sum[b])),
                                     _mm_set1_ps(a.d[b + 1] * static_cast<float>(a.sum[b + 1])));
      prod = _mm256_add_ps(prod, _mm256_mul_ps(load_f16x8_pair(blk0, blk1, W::kMinAt), dsum));
    }
    acc = _mm_add_ps(acc, _mm256_castps256_ps128(prod));
    acc = _mm_add_ps(acc, _mm256_extractf128_ps(prod, 1));
  }
  if (b < nb) {
    const uint8_t* blk[4];
    for (int i = 0; i < 4; ++i) blk[i] = wr[i] + b * W::kBlockBytes;
    const __m256i xq = xq_of(b);
    __m128i s = avx2::hsum4_epi32(
        W::dot(W::prepare(blk[0]), xq, ones16), W::dot(W::prepare(blk[1]), xq, ones16),
        W::dot(W::prepare(blk[2]), xq, ones16), W::dot(W::prepare(blk[3]), xq, ones16));
    if constexpr (W::kOffset != 0) s = _mm_sub_epi32(s, _mm_set1_epi32(W::kOffset * a.sum[b]));
    const __m128 dw = avx2::load_f16x4_scales(blk[0], blk[1], blk[2], blk[3]);
    __m128 term = _mm_mul_ps(_mm_cvtepi32_ps(s), _mm_mul_ps(dw, _mm_set1_ps(a.d[b])));
    if constexpr (W::kHasMin) {
      const __m128 mw = avx2::load_f16x4_scales(blk[0] + W::kMinAt, blk[1] + W::kMinAt,
                                                blk[2] + W::kMinAt, blk[3] + W::kMinAt);
      term = _mm_add_ps(term, _mm_mul_ps(mw, _mm_set1_ps(a.d[b] * static_cast<float>(a.sum[b]))));
    }
    acc = _mm_add_ps(acc, term);
  }
  float lanes[4];
  _mm_storeu_ps(lanes, acc);
  for (int i = 0; i < 4; ++i) y[rr[i]] = lanes[i];
}

// Prefill's tiles of 4 rows: tokens in pairs, one 256-bit vector carrying two tokens' 4-row sums
// [t: r0 r1 r2 r3 | t+1: r0 r1 r2 r3] and accumulators; each weight block is prepared once for
// all T tokens. Every lane does the operations of a lane of quant_tile_4x1.
template <class W, int T>
inline void quant_tile_4xT(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                           int64_t y_stride, const int64_t* rr) {
  static_assert(T % 2 == 0);
  const int64_t nb = cols / 32;
  const int64_t row_bytes = W::row_bytes(cols);
  const __m256i ones16 = _mm256_set1_epi16(1);
  const uint8_t* wr[4];
  for (int i = 0; i < 4; ++i) wr[i] = w + rr[i] * row_bytes;
  __m256 acc[T / 2];  // tokens 2p, 2p + 1; lane = row
  for (int p = 0; p < T / 2; ++p) acc[p] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk[4];
    typename W::prepared pw[4];
    for (int i = 0; i < 4; ++i) {
      blk[i] = wr[i] + b * W::kBlockBytes;
      pw[i] = W::prepare(blk[i]);
    }
    const __m128 dw4 = avx2::load_f16x4_scales(blk[0], blk[1], blk[2], blk[3]);
    const __m256 dw = avx2::pair(dw4, dw4);
    __m256 mw = _mm256_setzero_ps();
    if constexpr (W::kHasMin) {
      const __m128 mw4 = avx2::load_f16x4_scales(blk[0] + W::kMinAt, blk[1] + W::kMinAt,
                                                 blk[2] + W::kMinAt, blk[3] + W::kMinAt);
      mw = avx2::pair(mw4, mw4);
    }
    for (int p = 0; p < T / 2; ++p) {
      const int t0 = 2 * p, t1 = 2 * p + 1;
      const __m256i x0 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t0 * cols + b * 32));
      const __m256i x1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t1 * cols + b * 32));
      __m256i d0[4], d1[4];
      for (int i = 0; i < 4; ++i) {
        d0[i] = W::dot(pw[i], x0, ones16);
        d1[i] = W::dot(pw[i], x1, ones16);
      }
      __m256i s = avx2::hsum4x2_epi32(d0, d1);
      const int32_t sum0 = a.sum[t0 * nb + b], sum1 = a.sum[t1 * nb + b];
      const float dx0 = a.d[t0 * nb + b], dx1 = a.d[t1 * nb + b];
      if constexpr (W::kOffset != 0) {
        s = _mm256_sub_epi32(s, _mm256_setr_m128i(_mm_set1_epi32(W::kOffset * sum0),
                                                  _mm_set1_epi32(W::kOffset * sum1)));
      }
      const __m256 dx = avx2::pair(_mm_set1_ps(dx0), _mm_set1_ps(dx1));
      __m256 term = _mm256_mul_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(dw, dx));
      if constexpr (W::kHasMin) {
        const __m256 dsum = avx2::pair(_mm_set1_ps(dx0 * static_cast<float>(sum0)),
                                       _mm_set1_ps(dx1 * static_cast<float>(sum1)));
        term = _mm256_add_ps(term, _mm256_mul_ps(mw, dsum));
      }
      acc[p] = _mm256_add_ps(acc[p], term);
    }
  }
  for (int t = 0; t < T; ++t) {
    float lanes[8];
    _mm256_storeu_ps(lanes, acc[t / 2]);
    for (int i = 0; i < 4; ++i) y[t * y_stride + rr[i]] = lanes[4 * (t % 2) + i];
  }
}

// A single row (the range % 4 rows left over), T tokens, in scalar float: the operations of one
// lane of the 4-row tiles.
template <class W, int T>
inline void quant_tile_1xT(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                           int64_t y_stride, int64_t r) {
  const int64_t nb = cols / 32;
  const uint8_t* wr = w + r * W::row_bytes(cols);
  const __m256i ones16 = _mm256_set1_epi16(1);
  float acc[T] = {};
  for (int64_t b = 0; b < nb; ++b) {
    const uint8_t* blk = wr + b * W::kBlockBytes;
    const typename W::prepared pw = W::prepare(blk);
    const float dw = avx2::f16_to_f32(avx2::load_u16(blk));
    const float mw = W::kHasMin ? avx2::f16_to_f32(avx2::load_u16(blk + W::kMinAt)) : 0.0f;
    for (int t = 0; t < T; ++t) {
      const __m256i xq =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t * cols + b * 32));
      int32_t s = avx2::hsum_epi32(W::dot(pw, xq, ones16));
      const int32_t xsum = a.sum[t * nb + b];
      const float dx = a.d[t * nb + b];
      if constexpr (W::kOffset != 0) s -= W::kOffset * xsum;
      float term = static_cast<float>(s) * (dw * dx);
      if constexpr (W::kHasMin) term += mw * (dx * static_cast<float>(xsum));
      acc[t] += term;
    }
  }
  for (int t = 0; t < T; ++t) y[t * y_stride + r] = acc[t];
}

// y[t * y_stride + rr[i]] for i < R, t < T (R is 4 or 1; T a power of 2). `a` points at token 0.
template <class W, int R, int T>
inline void quant_tile(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                       int64_t y_stride, const int64_t* rr) {
  if constexpr (R == 1) {
    quant_tile_1xT<W, T>(w, cols, a, y, y_stride, rr[0]);
  } else if constexpr (T == 1) {
    quant_tile_4x1<W>(w, cols, a, y, rr);
  } else {
    quant_tile_4xT<W, T>(w, cols, a, y, y_stride, rr);
  }
}

// Tokens per tile in a batch (prefill): more tokens share each prepared weight block and its
// scales. Measured (inkstone_bench --format q8_0 --n 64, thread CPU time): 8 tokens 5% faster than
// 4 and 15% faster than 2 on Q8_0, 8% faster than 4 on Q4_0.
constexpr int kTokenTile = 8;

template <class W>
void quant_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
                  int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(cols % 32 == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  if (row_begin == row_end) return;
  const q8_activations_i8 xa = quantize_activations_q8__avx2(x, n, cols);
  const int64_t nb = cols / 32;
  for_each_tile<kTokenTile>(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
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

void q4_1_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q4_1_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q5_0_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q5_0_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q5_1_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  quant_matmul<q5_1_weights>(w, rows, cols, x, n, y, row_begin, row_end);
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
    const __m256i nib = q4_0_weights::prepare(blk).q;
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
