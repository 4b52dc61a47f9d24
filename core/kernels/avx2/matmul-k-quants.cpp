// Q4_K, Q5_K and Q6_K weights (AVX2): matmul on the integer path, wasmsimd's arithmetic
// (wasmsimd/matmul-k-quants.cpp) operation for operation. Row lookups stay ref's (exact).
//
// Activations are quantized once per call (quantize-activations.cpp: int8 per 32-block with an
// f32 scale d_x and the block's integer sum). A sub-block of 32 weights lines up with one
// activation block, so per sub-block s the kernel forms the exact integer sum
//   Q4_K, Q5_K: isum = sc * sum_j q_j x_j        (q in 0..15 or 0..31, one 6-bit scale sc)
//   Q6_K:       isum = sc_lo * sum_{j<16} v_j x_j + sc_hi * sum_{j>=16} v_j x_j   (v = q - 32)
// as vpmaddubsw (unsigned q, or |v| against sign(x, v) as Q8_0 does; no pair sum saturates int16:
// 2 * 32 * 127 < 2^15) and vpmaddwd against the scales in int16 lanes (Q6_K: lanes 0-7 of the
// first 16 values, 8-15 of the rest), 8 int32 lanes summing to isum. Then, as wasmsimd, in f32:
//   acc += float(isum) * (d * d_x)
//   acc -= float(m * sum(x_q)) * (dmin * d_x)       (Q4_K, Q5_K: the sub-block's 6-bit min m)
// Every integer is exact and below 2^24 (wasmsimd/matmul-k-quants.cpp), so its float is too; the
// min product m * sum(x_q) is formed as float(m) * float(sum(x_q)), exact for the same reason.
//
// Register tiles (row-tiling.h), as matmul-quant.cpp: 4 weight rows x 1 token (decode: two
// sub-blocks per step, [s: r0 r1 r2 r3 | s+1: r0 r1 r2 r3] in one 256-bit vector, added to the
// 4-lane accumulator s first) or x 8 tokens (prefill: in pairs, [t: r0..r3 | t+1: r0..r3]); each
// row's super-block is unpacked once per tile and used for every token. Single rows run the same
// arithmetic in scalar.
#include <cassert>
#include <cstddef>
#include <cstring>

#include "avx2/avx2-kernels.h"
#include "avx2/simd-common.h"
#include "quant-blocks.h"  // the block structs, for their offsets (no function of it is used here)
#include "row-tiling.h"

namespace inkstone {

namespace {

// One row's super-block, unpacked for the dot products.
struct k_block {
  __m256i q[8];    // sub-block s: Q4_K/Q5_K its 32 integers (unsigned); Q6_K |q - 32|
  __m256i sgn[8];  // Q6_K: q - 32 (vpsignb takes its signs); unused otherwise
  __m256i sc[8];   // sub-block s's scales in 16 int16 lanes (Q6_K: first 16 values, then the rest)
  float d;
  float dmin;       // Q4_K/Q5_K
  uint8_t mins[8];  // Q4_K/Q5_K: the 6-bit min of each sub-block
};

// The 6-bit scales and mins of a Q4_K/Q5_K super-block (12 packed bytes; k_scale_min in
// quant-blocks.h, four sub-blocks at a time): sc[0..7] to bytes 0-7 of *scales, m[0..7] to *mins.
inline void unpack_k_scales(const uint8_t* packed, __m128i* scales, uint8_t* mins) {
  constexpr uint32_t kLow6 = 0x3F3F3F3Fu, kLow4 = 0x0F0F0F0Fu, kLow2 = 0x03030303u;
  uint32_t w[3];
  std::memcpy(w, packed, 12);
  // bytes 0-3: sc[0..3] (low 6 bits) and bits 4-5 of sc[4..7]; 4-7: the same for the mins;
  // 8-11: bits 0-3 of sc[4..7] (low nibble) and of m[4..7] (high nibble).
  const uint32_t sc_lo = w[0] & kLow6;
  const uint32_t sc_hi = (w[2] & kLow4) | (((w[0] >> 6) & kLow2) << 4);
  const uint32_t m_lo = w[1] & kLow6;
  const uint32_t m_hi = ((w[2] >> 4) & kLow4) | (((w[1] >> 6) & kLow2) << 4);
  *scales = _mm_setr_epi32(static_cast<int>(sc_lo), static_cast<int>(sc_hi), 0, 0);
  std::memcpy(mins, &m_lo, 4);
  std::memcpy(mins + 4, &m_hi, 4);
}

// Sub-block s's scale in all 16 int16 lanes, from the 8 scale bytes.
inline __m256i broadcast_scale(__m128i scales, int s) {
  return _mm256_cvtepu8_epi16(_mm_shuffle_epi8(scales, _mm_set1_epi8(static_cast<char>(s))));
}

struct q4_k_weights {
  static constexpr int64_t kBlockBytes = sizeof(block_q4_k);
  static constexpr bool kHasMin = true;
  static constexpr bool kSigned = false;
  static void unpack(const uint8_t* blk, k_block& kb) {
    kb.d = avx2::f16_to_f32(avx2::load_u16(blk + offsetof(block_q4_k, d)));
    kb.dmin = avx2::f16_to_f32(avx2::load_u16(blk + offsetof(block_q4_k, dmin)));
    __m128i scales;
    unpack_k_scales(blk + offsetof(block_q4_k, scales), &scales, kb.mins);
    const uint8_t* qs = blk + offsetof(block_q4_k, qs);
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int k = 0; k < 4; ++k) {  // 32 bytes: sub-block 2k in the low nibbles, 2k + 1 high
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * k));
      kb.q[2 * k] = _mm256_and_si256(b, low4);
      kb.q[2 * k + 1] = _mm256_and_si256(_mm256_srli_epi16(b, 4), low4);
    }
    for (int s = 0; s < 8; ++s) kb.sc[s] = broadcast_scale(scales, s);
  }
};

struct q5_k_weights {
  static constexpr int64_t kBlockBytes = sizeof(block_q5_k);
  static constexpr bool kHasMin = true;
  static constexpr bool kSigned = false;
  static void unpack(const uint8_t* blk, k_block& kb) {
    kb.d = avx2::f16_to_f32(avx2::load_u16(blk + offsetof(block_q5_k, d)));
    kb.dmin = avx2::f16_to_f32(avx2::load_u16(blk + offsetof(block_q5_k, dmin)));
    __m128i scales;
    unpack_k_scales(blk + offsetof(block_q5_k, scales), &scales, kb.mins);
    const uint8_t* qs = blk + offsetof(block_q5_k, qs);
    const __m256i qh =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(blk + offsetof(block_q5_k, qh)));
    const __m256i low4 = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (int k = 0; k < 4; ++k) {
      const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs + 32 * k));
      kb.q[2 * k] = _mm256_and_si256(b, low4);
      kb.q[2 * k + 1] = _mm256_and_si256(_mm256_srli_epi16(b, 4), low4);
    }
    for (int s = 0; s < 8; ++s) {  // + 16 * bit s of qh[l] (the 16-bit shift's spill is masked)
      const __m256i bit = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(s)), one);
      kb.q[s] = _mm256_or_si256(kb.q[s], _mm256_slli_epi16(bit, 4));
      kb.sc[s] = broadcast_scale(scales, s);
    }
  }
};

struct q6_k_weights {
  static constexpr int64_t kBlockBytes = sizeof(block_q6_k);
  static constexpr bool kHasMin = false;
  static constexpr bool kSigned = true;
  static void unpack(const uint8_t* blk, k_block& kb) {
    kb.d = avx2::f16_to_f32(avx2::load_u16(blk + offsetof(block_q6_k, d)));
    kb.dmin = 0.0f;
    const __m128i scales =
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + offsetof(block_q6_k, scales)));
    const __m256i low4 = _mm256_set1_epi8(0x0F), low2 = _mm256_set1_epi8(3);
    for (int h = 0; h < 2; ++h) {  // values 128h ..: groups g = 0..3 of 32 (sub-block 4h + g)
      const uint8_t* ql = blk + offsetof(block_q6_k, ql) + 64 * h;
      const __m256i qh = _mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(blk + offsetof(block_q6_k, qh) + 32 * h));
      const __m256i l0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql));
      const __m256i l1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ql + 32));
      const __m256i lo[4] = {_mm256_and_si256(l0, low4), _mm256_and_si256(l1, low4),
                             _mm256_and_si256(_mm256_srli_epi16(l0, 4), low4),
                             _mm256_and_si256(_mm256_srli_epi16(l1, 4), low4)};
      for (int g = 0; g < 4; ++g) {
        const __m256i hi = _mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * g)), low2);
        const __m256i v = _mm256_sub_epi8(_mm256_or_si256(lo[g], _mm256_slli_epi16(hi, 4)),
                                          _mm256_set1_epi8(32));  // -32 .. 31
        const int s = 4 * h + g;
        kb.sgn[s] = v;
        kb.q[s] = _mm256_sign_epi8(v, v);
        // int8 scales 2s (lanes 0-7) and 2s + 1 (lanes 8-15), sign-extended.
        const __m128i pick =
            _mm_add_epi8(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                         _mm_set1_epi8(static_cast<char>(2 * s)));
        kb.sc[s] = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales, pick));
      }
    }
  }
};

// 8 int32 lanes summing to isum of sub-block s against the activation block x.
template <class W>
inline __m256i k_dot(const k_block& kb, int s, __m256i x) {
  if constexpr (W::kSigned) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(kb.q[s], _mm256_sign_epi8(x, kb.sgn[s])),
                             kb.sc[s]);
  } else {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(kb.q[s], x), kb.sc[s]);
  }
}

// The mins of sub-blocks 0..7 of 4 rows as floats, lane i = row i: m[s].
inline void mins_4rows(const k_block* kb, __m128 (&m)[8]) {
  __m256i r[4];
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(kb[i].mins)));
  }
  // 4 x 8 int32 transpose: t0 = [r0s0 r1s0 r0s1 r1s1 | s4 s5], u0 = [s0 of r0..r3 | s4 of r0..r3].
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256 u[4] = {_mm256_cvtepi32_ps(_mm256_unpacklo_epi64(t0, t2)),   // s0 | s4
                       _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(t0, t2)),   // s1 | s5
                       _mm256_cvtepi32_ps(_mm256_unpacklo_epi64(t1, t3)),   // s2 | s6
                       _mm256_cvtepi32_ps(_mm256_unpackhi_epi64(t1, t3))};  // s3 | s7
  for (int k = 0; k < 4; ++k) {
    m[k] = _mm256_castps256_ps128(u[k]);
    m[k + 4] = _mm256_extractf128_ps(u[k], 1);
  }
}

// Decode's tile (4 rows, 1 token): sub-blocks s and s + 1 per step, their 8 integer sums in one
// vector [s: r0 r1 r2 r3 | s+1: r0 r1 r2 r3] and their terms formed in 256 bits; the 4-lane
// accumulator takes sub-block s's terms, then s + 1's, as wasmsimd's one sub-block per step.
template <class W>
inline void k_tile_4x1(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                       const int64_t* rr) {
  const int64_t nsb = cols / kQk_K;
  const int64_t row_bytes = nsb * W::kBlockBytes;
  const uint8_t* wr[4];
  for (int i = 0; i < 4; ++i) wr[i] = w + rr[i] * row_bytes;
  __m128 acc = _mm_setzero_ps();
  for (int64_t b = 0; b < nsb; ++b) {
    k_block kb[4];
    for (int i = 0; i < 4; ++i) W::unpack(wr[i] + b * W::kBlockBytes, kb[i]);
    const __m128 dw4 = _mm_setr_ps(kb[0].d, kb[1].d, kb[2].d, kb[3].d);
    const __m256 dw = avx2::pair(dw4, dw4);
    __m128 m[8];
    __m256 dminw = _mm256_setzero_ps();
    if constexpr (W::kHasMin) {
      mins_4rows(kb, m);
      const __m128 dmin4 = _mm_setr_ps(kb[0].dmin, kb[1].dmin, kb[2].dmin, kb[3].dmin);
      dminw = avx2::pair(dmin4, dmin4);
    }
    const float* dx_b = a.d + b * 8;
    const int32_t* xsum_b = a.sum + b * 8;
    for (int s = 0; s < 8; s += 2) {
      const __m256i x0 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + b * kQk_K + 32 * s));
      const __m256i x1 =
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + b * kQk_K + 32 * s + 32));
      __m256i d0[4], d1[4];
      for (int i = 0; i < 4; ++i) {
        d0[i] = k_dot<W>(kb[i], s, x0);
        d1[i] = k_dot<W>(kb[i], s + 1, x1);
      }
      const __m256i isum = avx2::hsum4x2_epi32(d0, d1);
      const __m256 dx = avx2::pair(_mm_set1_ps(dx_b[s]), _mm_set1_ps(dx_b[s + 1]));
      const __m256 term = _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx));
      if constexpr (W::kHasMin) {
        const __m256 msum = _mm256_mul_ps(
            avx2::pair(m[s], m[s + 1]), avx2::pair(_mm_set1_ps(static_cast<float>(xsum_b[s])),
                                                   _mm_set1_ps(static_cast<float>(xsum_b[s + 1]))));
        const __m256 mterm = _mm256_mul_ps(msum, _mm256_mul_ps(dminw, dx));
        acc = _mm_add_ps(acc, _mm256_castps256_ps128(term));
        acc = _mm_sub_ps(acc, _mm256_castps256_ps128(mterm));
        acc = _mm_add_ps(acc, _mm256_extractf128_ps(term, 1));
        acc = _mm_sub_ps(acc, _mm256_extractf128_ps(mterm, 1));
      } else {
        acc = _mm_add_ps(acc, _mm256_castps256_ps128(term));
        acc = _mm_add_ps(acc, _mm256_extractf128_ps(term, 1));
      }
    }
  }
  float lanes[4];
  _mm_storeu_ps(lanes, acc);
  for (int i = 0; i < 4; ++i) y[rr[i]] = lanes[i];
}

// Prefill's tiles of 4 rows: tokens in pairs, one 256-bit vector carrying two tokens' 4-row sums
// [t: r0 r1 r2 r3 | t+1: r0 r1 r2 r3] and accumulators. Every lane does the operations of a lane
// of k_tile_4x1.
template <class W, int T>
inline void k_tile_4xT(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                       int64_t y_stride, const int64_t* rr) {
  static_assert(T % 2 == 0);
  const int64_t nsb = cols / kQk_K, nb = cols / 32;
  const int64_t row_bytes = nsb * W::kBlockBytes;
  const uint8_t* wr[4];
  for (int i = 0; i < 4; ++i) wr[i] = w + rr[i] * row_bytes;
  __m256 acc[T / 2];  // tokens 2p, 2p + 1; lane = row
  for (int p = 0; p < T / 2; ++p) acc[p] = _mm256_setzero_ps();
  for (int64_t b = 0; b < nsb; ++b) {
    k_block kb[4];
    for (int i = 0; i < 4; ++i) W::unpack(wr[i] + b * W::kBlockBytes, kb[i]);
    const __m128 dw4 = _mm_setr_ps(kb[0].d, kb[1].d, kb[2].d, kb[3].d);
    const __m256 dw = avx2::pair(dw4, dw4);
    __m128 m[8];
    __m256 dminw = _mm256_setzero_ps();
    if constexpr (W::kHasMin) {
      mins_4rows(kb, m);
      const __m128 dmin4 = _mm_setr_ps(kb[0].dmin, kb[1].dmin, kb[2].dmin, kb[3].dmin);
      dminw = avx2::pair(dmin4, dmin4);
    }
    for (int s = 0; s < 8; ++s) {
      const int64_t j = b * 8 + s;  // activation block
      for (int p = 0; p < T / 2; ++p) {
        const int t0 = 2 * p, t1 = 2 * p + 1;
        const __m256i x0 =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t0 * cols + 32 * j));
        const __m256i x1 =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t1 * cols + 32 * j));
        __m256i d0[4], d1[4];
        for (int i = 0; i < 4; ++i) {
          d0[i] = k_dot<W>(kb[i], s, x0);
          d1[i] = k_dot<W>(kb[i], s, x1);
        }
        const __m256i isum = avx2::hsum4x2_epi32(d0, d1);
        const __m256 dx = avx2::pair(_mm_set1_ps(a.d[t0 * nb + j]), _mm_set1_ps(a.d[t1 * nb + j]));
        acc[p] =
            _mm256_add_ps(acc[p], _mm256_mul_ps(_mm256_cvtepi32_ps(isum), _mm256_mul_ps(dw, dx)));
        if constexpr (W::kHasMin) {
          const __m256 msum =
              _mm256_mul_ps(avx2::pair(m[s], m[s]),
                            avx2::pair(_mm_set1_ps(static_cast<float>(a.sum[t0 * nb + j])),
                                       _mm_set1_ps(static_cast<float>(a.sum[t1 * nb + j]))));
          acc[p] = _mm256_sub_ps(acc[p], _mm256_mul_ps(msum, _mm256_mul_ps(dminw, dx)));
        }
      }
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
inline void k_tile_1xT(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                       int64_t y_stride, int64_t r) {
  const int64_t nsb = cols / kQk_K, nb = cols / 32;
  const uint8_t* wr = w + r * nsb * W::kBlockBytes;
  float acc[T] = {};
  for (int64_t b = 0; b < nsb; ++b) {
    k_block kb;
    W::unpack(wr + b * W::kBlockBytes, kb);
    for (int s = 0; s < 8; ++s) {
      const int64_t j = b * 8 + s;
      for (int t = 0; t < T; ++t) {
        const __m256i x =
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a.q + t * cols + 32 * j));
        const int32_t isum = avx2::hsum_epi32(k_dot<W>(kb, s, x));
        const float dx = a.d[t * nb + j];
        acc[t] += static_cast<float>(isum) * (kb.d * dx);
        if constexpr (W::kHasMin) {
          const float msum = static_cast<float>(kb.mins[s]) * static_cast<float>(a.sum[t * nb + j]);
          acc[t] -= msum * (kb.dmin * dx);
        }
      }
    }
  }
  for (int t = 0; t < T; ++t) y[t * y_stride + r] = acc[t];
}

// y[t * y_stride + rr[i]] for i < R, t < T (R is 4 or 1; T a power of 2). `a` points at token 0.
template <class W, int R, int T>
inline void k_tile(const uint8_t* w, int64_t cols, const q8_activations_i8& a, float* y,
                   int64_t y_stride, const int64_t* rr) {
  if constexpr (R == 1) {
    k_tile_1xT<W, T>(w, cols, a, y, y_stride, rr[0]);
  } else if constexpr (T == 1) {
    k_tile_4x1<W>(w, cols, a, y, rr);
  } else {
    k_tile_4xT<W, T>(w, cols, a, y, y_stride, rr);
  }
}

// Tokens per tile in a batch (prefill), as matmul-quant.cpp.
constexpr int kTokenTile = 8;

template <class W>
void k_matmul(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n, float* y,
              int64_t row_begin, int64_t row_end) {
  assert(w != nullptr && x != nullptr && y != nullptr && n > 0);
  assert(cols % kQk_K == 0 && 0 <= row_begin && row_begin <= row_end && row_end <= rows);
  if (row_begin == row_end) return;
  const q8_activations_i8 xa = quantize_activations_q8__avx2(x, n, cols);
  const int64_t nb = cols / 32;
  for_each_tile<kTokenTile>(n, row_begin, row_end, [&]<int R, int T>(int64_t t, const int64_t* rr) {
    const q8_activations_i8 at{xa.q + t * cols, xa.d + t * nb, xa.sum + t * nb};
    k_tile<W, R, T>(w, cols, at, y + t * rows, rows, rr);
  });
}

}  // namespace

void q4_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q4_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q5_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q5_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

void q6_k_matmul__avx2(const uint8_t* w, int64_t rows, int64_t cols, const float* x, int64_t n,
                       float* y, int64_t row_begin, int64_t row_end) {
  k_matmul<q6_k_weights>(w, rows, cols, x, n, y, row_begin, row_end);
}

}  // namespace inkstone
