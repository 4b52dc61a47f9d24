// Small AVX2 helpers shared by the avx2 kernels: static inline (internal linkage; see
// avx2-kernels.h for why), each the twin of a wasmsimd/simd-common.h helper where one exists.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace inkstone::avx2 {

// Bytes of one row of `cols` weights (weight_row_bytes, kept local: see avx2-kernels.h).
static inline int64_t row_bytes_f32(int64_t cols) { return cols * 4; }
static inline int64_t row_bytes_f16(int64_t cols) { return cols * 2; }
static inline int64_t row_bytes_q8_0(int64_t cols) { return cols / 32 * 34; }
static inline int64_t row_bytes_q4_0(int64_t cols) { return cols / 32 * 18; }

static inline uint16_t load_u16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// IEEE half -> f32 (F16C): exact for every half, except that signalling NaNs come out quiet
// (wasmsimd keeps their payload bits; a NaN weight is a NaN either way).
static inline float f16_to_f32(uint16_t h) { return _cvtsh_ss(h); }

// The fp16 scales at p0..p3 as 4 floats.
static inline __m128 load_f16x4_scales(const uint8_t* p0, const uint8_t* p1, const uint8_t* p2,
                                       const uint8_t* p3) {
  const __m128i h = _mm_setr_epi16(
      static_cast<short>(load_u16(p0)), static_cast<short>(load_u16(p1)),
      static_cast<short>(load_u16(p2)), static_cast<short>(load_u16(p3)), 0, 0, 0, 0);
  return _mm_cvtph_ps(h);
}

// [a | b]: two 4-float registers as one (a in the low half).
static inline __m256 pair(__m128 a, __m128 b) {
  return _mm256_insertf128_ps(_mm256_castps128_ps256(a), b, 1);
}

// Lane sum as (l0 + l2) + (l1 + l3), as wasmsimd's f32x4_hsum.
static inline float hsum(__m128 v) {
  v = _mm_add_ps(v, _mm_movehl_ps(v, v));                            // l0+l2, l1+l3, ..
  v = _mm_add_ss(v, _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 1, 1, 1)));  // (l0+l2) + (l1+l3)
  return _mm_cvtss_f32(v);
}

// [hsum(a), hsum(b), hsum(c), hsum(d)], each as hsum() adds (wasmsimd's f32x4_hsum4).
static inline __m128 hsum4(__m128 a, __m128 b, __m128 c, __m128 d) {
  const __m128 ab = _mm_add_ps(_mm_unpacklo_ps(a, b), _mm_unpackhi_ps(a, b));  // a02 b02 a13 b13
  const __m128 cd = _mm_add_ps(_mm_unpacklo_ps(c, d), _mm_unpackhi_ps(c, d));  // c02 d02 c13 d13
  return _mm_add_ps(_mm_movelh_ps(ab, cd), _mm_movehl_ps(cd, ab));
}

// hsum4 of the four 4-lane halves of [a | b] and [c | d].
static inline __m128 hsum4_pairs(__m256 ab, __m256 cd) {
  return hsum4(_mm256_castps256_ps128(ab), _mm256_extractf128_ps(ab, 1), _mm256_castps256_ps128(cd),
               _mm256_extractf128_ps(cd, 1));
}

// Integer lane sums (exact in any order).
static inline int32_t hsum_epi32(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_cvtsi128_si32(s);
}

// [sum(a), sum(b), sum(c), sum(d)] of four 8-lane int32 registers.
static inline __m128i hsum4_epi32(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i abcd = _mm256_hadd_epi32(_mm256_hadd_epi32(a, b), _mm256_hadd_epi32(c, d));
  return _mm_add_epi32(_mm256_castsi256_si128(abcd), _mm256_extracti128_si256(abcd, 1));
}

// The 4 rows' integer sums of two blocks (or two tokens), [d0: r0 r1 r2 r3 | d1: r0 r1 r2 r3],
// from their 8-lane partial sums d0[i] and d1[i] (row i; exact in any order).
static inline __m256i hsum4x2_epi32(const __m256i* d0, const __m256i* d1) {
  const __m256i t0 =
      _mm256_hadd_epi32(_mm256_hadd_epi32(d0[0], d0[1]), _mm256_hadd_epi32(d0[2], d0[3]));
  const __m256i t1 =
      _mm256_hadd_epi32(_mm256_hadd_epi32(d1[0], d1[1]), _mm256_hadd_epi32(d1[2], d1[3]));
  // t0 = [d0 rows' sums of lanes 0-3 | of lanes 4-7], t1 likewise.
  return _mm256_add_epi32(_mm256_permute2x128_si256(t0, t1, 0x20),
                          _mm256_permute2x128_si256(t0, t1, 0x31));
}

static inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, _MM_SHUFFLE(1, 1, 1, 1)));
  return _mm_cvtss_f32(m);
}

// exp(x) lane-wise: wasmsimd's f32x4_exp operation for operation (Cephes' expf: range reduction
// by ln 2, degree-6 polynomial, ~2 ulp; separate multiplies and adds, no FMA). Inputs below
// kExpLo give exactly 0 (so -inf -> 0); inputs above 88 are clamped to exp(88).
inline constexpr float kExpLo = -87.33654f;
static inline __m256 exp8(__m256 x) {
  const __m256 underflow = _mm256_cmp_ps(x, _mm256_set1_ps(kExpLo), _CMP_LT_OQ);
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(kExpLo)), _mm256_set1_ps(88.0f));
  const __m256 fx = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  x = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(0.693359375f)));
  x = _mm256_sub_ps(x, _mm256_mul_ps(fx, _mm256_set1_ps(-2.12194440e-4f)));
  __m256 y = _mm256_set1_ps(1.9875691500e-4f);
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.3981999507e-3f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(8.3334519073e-3f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(4.1665795894e-2f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(1.6666665459e-1f));
  y = _mm256_add_ps(_mm256_mul_ps(y, x), _mm256_set1_ps(5.0000001201e-1f));
  y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, _mm256_mul_ps(x, x)), x), _mm256_set1_ps(1.0f));
  const __m256i pow2n =
      _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(fx), _mm256_set1_epi32(127)), 23);
  return _mm256_andnot_ps(underflow, _mm256_mul_ps(y, _mm256_castsi256_ps(pow2n)));
}

static inline float exp1(float x) { return _mm256_cvtss_f32(exp8(_mm256_set1_ps(x))); }

}  // namespace inkstone::avx2
